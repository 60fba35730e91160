import type { Cell, CellValue as ExcelCellValue, Row } from 'exceljs';
import { type CellValue, EMPTY_CELL, textCell } from '../rows/cell-value';

const MS_PER_DAY = 86_400_000;
/** Days from 1899-12-30, the origin of Excel's 1900 date system, to 1970-01-01. */
const EPOCH_1900_DAYS = 25_569;
/** Days from 1904-01-01, the origin of the 1904 date system, to 1970-01-01. */
const EPOCH_1904_DAYS = 24_107;

/** Tells whether a number format shows a date or a time, ignoring quoted text and `[...]` codes. */
export function isDateFormat(format: string | undefined): boolean {
  if (!format) return false;
  const bare = format
    .replace(/\[[^\]]*]/g, '')
    .replace(/"[^"]*"/g, '')
    .replace(/\\./g, '');
  return /[dmyhs]/i.test(bare);
}

/** Formats a date as ISO 8601: the date alone at midnight, otherwise date and time to the second. */
export function dateText(date: Date): string {
  if (Number.isNaN(date.getTime())) return '';
  const iso = date.toISOString();
  return iso.endsWith('T00:00:00.000Z') ? iso.slice(0, 10) : iso.slice(0, 19);
}

/** Converts an Excel date serial number to a date, in UTC. */
export function serialToDate(serial: number, date1904: boolean): Date {
  const epoch = date1904 ? EPOCH_1904_DAYS : EPOCH_1900_DAYS;
  return new Date(Math.round((serial - epoch) * MS_PER_DAY));
}

function numberCell(value: number, format: string | undefined, date1904: boolean): CellValue {
  if (Number.isNaN(value)) return { kind: 'error', text: '#VALUE!' };
  if (isDateFormat(format)) return { kind: 'date', text: dateText(serialToDate(value, date1904)) };
  return { kind: 'number', value };
}

function richText(runs: Array<{ text?: string | null }>): string {
  return runs.map((run) => run.text ?? '').join('');
}

/** Reads the first argument of `HYPERLINK("https://...", "label")` when it is a string literal. */
export function linkFromFormula(formula: string): string | undefined {
  const match = /^\s*=?\s*HYPERLINK\(\s*"((?:[^"]|"")*)"/i.exec(formula);
  return match?.[1]?.replace(/""/g, '"');
}

function formulaCell(
  value: { formula?: string; sharedFormula?: string; result?: unknown },
  format: string | undefined,
  options: CellOptions,
): CellValue {
  const formula = value.formula ?? value.sharedFormula ?? '';
  if (options.linkFormulas) {
    const link = linkFromFormula(formula);
    if (link !== undefined) return textCell(link, options.maxChars);
  }
  const result = value.result;
  if (result === undefined || result === null) return { kind: 'no_result', formula };
  if (typeof result === 'number') return numberCell(result, format, options.date1904);
  if (typeof result === 'string') return textCell(result, options.maxChars);
  if (typeof result === 'boolean') return { kind: 'boolean', value: result };
  if (result instanceof Date) return { kind: 'date', text: dateText(result) };
  if (typeof result === 'object' && 'error' in result) {
    return { kind: 'error', text: String((result as { error: unknown }).error) };
  }
  return { kind: 'no_result', formula };
}

/** What converting a workbook cell depends on. */
export interface CellOptions {
  maxChars: number;
  /** The workbook counts dates from 1904 (old Mac Excel) rather than 1900. */
  date1904: boolean;
  /** Take the link of a `HYPERLINK()` formula instead of its label (order link column only). */
  linkFormulas?: boolean;
}

/**
 * Converts a cell of the exceljs streaming reader. Rich text is joined, a formula gives its
 * saved result, and a number shown as a date becomes a date. The reader itself turns plain
 * date-formatted numbers into `Date` objects when its style manager returns a date format.
 */
export function toCellValue(cell: Cell | undefined, options: CellOptions): CellValue {
  const value: ExcelCellValue | undefined = cell?.value;
  if (value === null || value === undefined) return EMPTY_CELL;
  if (typeof value === 'string') return textCell(value, options.maxChars);
  if (typeof value === 'number') return numberCell(value, cell?.numFmt, options.date1904);
  if (typeof value === 'boolean') return { kind: 'boolean', value };
  if (value instanceof Date) return { kind: 'date', text: dateText(value) };
  if ('richText' in value) return textCell(richText(value.richText), options.maxChars);
  if ('formula' in value || 'sharedFormula' in value) {
    return formulaCell(value as { formula?: string; result?: unknown }, cell?.numFmt, options);
  }
  if ('error' in value) return { kind: 'error', text: String(value.error) };
  if ('text' in value) {
    const text: unknown = value.text;
    if (typeof text === 'string') return textCell(text, options.maxChars);
    const runs = (text as { richText?: Array<{ text?: string }> } | undefined)?.richText ?? [];
    return textCell(richText(runs), options.maxChars);
  }
  return EMPTY_CELL;
}

/** Returns the header row's cells in column order, as text. */
export function headerCells(
  row: Row,
  options: CellOptions,
): Array<{ position: number; text: string }> {
  const cells: Array<{ position: number; text: string }> = [];
  row.eachCell((cell, column) => {
    const value = toCellValue(cell, options);
    if (value.kind === 'text') cells.push({ position: column, text: value.text });
  });
  return cells;
}

/** Decodes a cell reference such as `AB12` into 1-based column and row numbers. */
export function decodeCellRef(ref: string): { column: number; row: number } | undefined {
  const match = /^\$?([A-Za-z]{1,3})\$?(\d+)$/.exec(ref);
  if (!match) return undefined;
  let column = 0;
  for (const letter of (match[1] ?? '').toUpperCase())
    column = column * 26 + letter.charCodeAt(0) - 64;
  return { column, row: Number(match[2]) };
}
