import type { RowError } from '@orderflow/contracts';
import type { AddressPolicy } from '@orderflow/url-policy';
import { readAmountCell } from './amount-cell';
import { type CellValue, cellText } from './cell-value';
import { REQUIRED_COLUMNS } from './header';
import { readOrderUrlCell } from './order-url-cell';
import { RowErrorList, type RowPlace, rowError } from './row-errors';
import type { SourceRow } from './source-table';

/**
 * Characters of extra columns, names included, that one row may hold. It keeps every item well
 * inside one `batch.items_added` chunk even with three UTF-8 bytes per character.
 */
export const MAX_EXTRA_CHARS_PER_ROW = 65_536;

/** Settings of validation. */
export interface ValidationOptions {
  policy: AddressPolicy;
  /** Largest amount, a decimal string with two decimals. */
  maxAmount: string;
  /** Accept rows that repeat an order link of an earlier row. */
  allowDuplicates: boolean;
  /** JSON items are named by index, sheet and CSV rows by row number. */
  numbering: 'row' | 'index';
}

/** A row that passed every check. */
export interface ValidItem {
  /** Row number as the spreadsheet shows it, or the JSON index. */
  row: number;
  orderUrl: string;
  amount: string;
  extra: Record<string, string>;
}

/** Valid items in source order, and the errors of the other rows. */
export interface ValidationResult {
  items: ValidItem[];
  errors: RowErrorList;
  /** Number of rows with at least one error. */
  invalidRowCount: number;
  /** Number of rows read, valid or not. */
  rowCount: number;
}

/** A row checked as it was read. Each field contains its value or the error found in it. */
interface CheckedRow {
  row: number;
  orderUrl: string | RowError;
  amount: string | RowError;
  extra: Record<string, string>;
  problems?: RowError[];
}

const NO_PROBLEMS: readonly RowError[] = [];

function isError(value: string | RowError): value is RowError {
  return typeof value !== 'string';
}

/**
 * Validates rows as a reader produces them, keeping only the checked values, so that a large
 * sheet is held once in compact form rather than as cells and then again as items. The order
 * link of a row can be replaced later (a hyperlink target found at the end of the sheet), and
 * repeated links are found in {@link finish}, once every link is final.
 */
export class RowValidator {
  private readonly rows: CheckedRow[] = [];

  constructor(private readonly options: ValidationOptions) {}

  /** Number of rows added so far. */
  get rowCount(): number {
    return this.rows.length;
  }

  /** Checks one row and keeps its values or errors. */
  add(source: SourceRow): void {
    const place = this.place(source.row);
    if (source.unusable) {
      const unusable: CheckedRow = { row: source.row, orderUrl: '', amount: '', extra: {} };
      if (source.problems) unusable.problems = source.problems;
      this.rows.push(unusable);
      return;
    }
    const checked: CheckedRow = {
      row: source.row,
      orderUrl: this.checkOrderUrl(place, source.orderUrl),
      amount: this.checkAmount(place, source.amount),
      extra: source.extra,
    };
    const problems = source.problems ?? [];
    const extraChars = countChars(source.extra);
    if (extraChars > MAX_EXTRA_CHARS_PER_ROW) {
      const description = `the extra columns hold ${extraChars} characters together; at most ${MAX_EXTRA_CHARS_PER_ROW} are allowed per row`;
      problems.push(rowError(place, undefined, undefined, 'cell_too_long', description));
    }
    if (problems.length > 0) checked.problems = problems;
    this.rows.push(checked);
  }

  /** Replaces the order links of some rows, by row number, and checks them again. */
  replaceOrderUrls(cells: Map<number, CellValue>): void {
    if (cells.size === 0) return;
    for (const checked of this.rows) {
      const cell = cells.get(checked.row);
      if (cell) checked.orderUrl = this.checkOrderUrl(this.place(checked.row), cell);
    }
  }

  /** Finds repeated links and returns the valid items with every error, in row order. */
  finish(): ValidationResult {
    const items: ValidItem[] = [];
    const errors = new RowErrorList();
    const firstRowOfUrl = new Map<string, number>();
    let invalidRowCount = 0;

    for (const checked of this.rows) {
      const problems = this.collectProblems(checked, firstRowOfUrl);
      if (problems.length > 0) {
        invalidRowCount += 1;
        for (const problem of problems) errors.add(problem);
        continue;
      }
      // Every field contains a value here, so the checked row serves as the item itself.
      items.push(checked as ValidItem);
    }
    return { items, errors, invalidRowCount, rowCount: this.rows.length };
  }

  private collectProblems(
    checked: CheckedRow,
    firstRowOfUrl: Map<string, number>,
  ): readonly RowError[] {
    const urlError = isError(checked.orderUrl) ? [checked.orderUrl] : [];
    const amountError = isError(checked.amount) ? [checked.amount] : [];
    if (checked.problems || urlError.length > 0 || amountError.length > 0) {
      return [...(checked.problems ?? []), ...urlError, ...amountError];
    }
    if (this.options.allowDuplicates) return NO_PROBLEMS;

    const url = checked.orderUrl as string;
    const first = firstRowOfUrl.get(url);
    if (first === undefined) {
      firstRowOfUrl.set(url, checked.row);
      return NO_PROBLEMS;
    }
    return [this.duplicateError(checked.row, first, url)];
  }

  private place(row: number): RowPlace {
    return this.options.numbering === 'index' ? { index: row } : { row };
  }

  private checkOrderUrl(place: RowPlace, cell: CellValue): string | RowError {
    const url = readOrderUrlCell(cell, this.options.policy);
    if (url.ok) return url.url;
    const value = cellText(cell) || undefined;
    return rowError(place, REQUIRED_COLUMNS.orderUrl, value, url.problem, url.description);
  }

  private checkAmount(place: RowPlace, cell: CellValue): string | RowError {
    const amount = readAmountCell(cell, this.options.maxAmount);
    if (amount.ok) return amount.amount;
    const value = cellText(cell) || undefined;
    return rowError(place, REQUIRED_COLUMNS.amount, value, amount.problem, amount.description);
  }

  private duplicateError(row: number, firstRow: number, url: string): RowError {
    const place = this.place(row);
    const first = 'row' in place ? `row ${firstRow}` : `item ${firstRow}`;
    return rowError(
      place,
      REQUIRED_COLUMNS.orderUrl,
      url,
      'duplicate',
      `the order link repeats ${first}; remove one of them, or import with duplicates allowed`,
    );
  }
}

function countChars(extra: Record<string, string>): number {
  let total = 0;
  for (const key in extra) total += key.length + (extra[key]?.length ?? 0);
  return total;
}
