import type { RowError } from '@orderflow/contracts';
import type { AddressPolicy } from '@orderflow/url-policy';
import { readAmountCell } from './amount-cell';
import { cellText } from './cell-value';
import { REQUIRED_COLUMNS } from './header';
import { readOrderUrlCell } from './order-url-cell';
import { RowErrorList, type RowPlace, rowError } from './row-errors';
import type { SourceTable } from './source-table';

/**
 * Characters of extra columns, names included, that one row may hold. It keeps every item well
 * inside one `batch.items_added` chunk even with three UTF-8 bytes per character.
 */
export const MAX_EXTRA_CHARS_PER_ROW = 65_536;

/** What validation needs besides the rows. */
export interface ValidationOptions {
  policy: AddressPolicy;
  /** Largest amount, a decimal string with two decimals. */
  maxAmount: string;
  /** Accept rows that repeat an order link of an earlier row. */
  allowDuplicates: boolean;
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
}

/**
 * Checks every row: the order link against the address policy, the amount, and repeated links.
 * A repeated link is reported on the later row and names the first one; the first row stays valid.
 */
export function validateRows(table: SourceTable, options: ValidationOptions): ValidationResult {
  const items: ValidItem[] = [];
  const errors = new RowErrorList();
  const firstRowOfUrl = new Map<string, number>();
  let invalidRowCount = 0;

  for (const row of table.rows) {
    const place: RowPlace = table.kind === 'json' ? { index: row.row } : { row: row.row };
    const problems: RowError[] = [...(row.problems ?? [])];
    if (row.unusable) {
      invalidRowCount += 1;
      for (const problem of problems) errors.add(problem);
      continue;
    }

    const url = readOrderUrlCell(row.orderUrl, options.policy);
    if (!url.ok) {
      const value = cellText(row.orderUrl) || undefined;
      problems.push(
        rowError(place, REQUIRED_COLUMNS.orderUrl, value, url.problem, url.description),
      );
    }
    const amount = readAmountCell(row.amount, options.maxAmount);
    if (!amount.ok) {
      const value = cellText(row.amount) || undefined;
      problems.push(
        rowError(place, REQUIRED_COLUMNS.amount, value, amount.problem, amount.description),
      );
    }
    const extraChars = countChars(row.extra);
    if (extraChars > MAX_EXTRA_CHARS_PER_ROW) {
      const description = `the extra columns hold ${extraChars} characters together; at most ${MAX_EXTRA_CHARS_PER_ROW} are allowed per row`;
      problems.push(rowError(place, undefined, undefined, 'cell_too_long', description));
    }
    if (url.ok && problems.length === 0 && !options.allowDuplicates) {
      const first = firstRowOfUrl.get(url.url);
      if (first === undefined) {
        firstRowOfUrl.set(url.url, row.row);
      } else {
        problems.push(duplicateError(place, first, url.url));
      }
    }

    if (problems.length > 0 || !url.ok || !amount.ok) {
      invalidRowCount += 1;
      for (const problem of problems) errors.add(problem);
      continue;
    }
    items.push({ row: row.row, orderUrl: url.url, amount: amount.amount, extra: row.extra });
  }
  return { items, errors, invalidRowCount };
}

function countChars(extra: Record<string, string>): number {
  let total = 0;
  for (const key in extra) total += key.length + (extra[key]?.length ?? 0);
  return total;
}

function duplicateError(place: RowPlace, firstRow: number, url: string): RowError {
  const first = 'row' in place ? `row ${firstRow}` : `item ${firstRow}`;
  return rowError(
    place,
    REQUIRED_COLUMNS.orderUrl,
    url,
    'duplicate',
    `the order link repeats ${first}; remove one of them, or import with duplicates allowed`,
  );
}
