import type { RowError } from '@orderflow/contracts';
import { shortenValue } from './cell-value';

/** Errors listed in a rejection or in the skipped rows; the total count is always reported. */
export const MAX_REPORTED_ERRORS = 100;

/** Position of a problem: a spreadsheet row number, or the 0-based index of a JSON item. */
export type RowPlace = { row: number } | { index: number };

/** Builds a row error whose message is complete by itself: place, column, value and problem. */
export function rowError(
  place: RowPlace | undefined,
  column: string | undefined,
  value: string | undefined,
  problem: RowError['problem'],
  description: string,
): RowError {
  const parts: string[] = [];
  if (place) parts.push('row' in place ? `Row ${place.row}` : `Item ${place.index}`);
  if (column) parts.push(`column ${column}`);
  if (value !== undefined) parts.push(`value ${JSON.stringify(shortenValue(value))}`);
  const prefix = parts.length > 0 ? `${parts.join(', ')}: ` : '';
  return {
    ...place,
    ...(column === undefined ? {} : { column }),
    ...(value === undefined ? {} : { value: shortenValue(value) }),
    problem,
    message: `${prefix}${description}`,
  };
}

/** Collects row errors, keeping the first {@link MAX_REPORTED_ERRORS} and counting all. */
export class RowErrorList {
  readonly errors: RowError[] = [];
  count = 0;

  add(error: RowError): void {
    this.count += 1;
    if (this.errors.length < MAX_REPORTED_ERRORS) this.errors.push(error);
  }
}

/** Error for a cell longer than IMPORT_MAX_CELL_CHARS. */
export function cellTooLongError(
  place: RowPlace,
  column: string,
  preview: string,
  length: number,
  maxChars: number,
): RowError {
  const description = `the cell has ${length} characters; at most ${maxChars} are allowed (IMPORT_MAX_CELL_CHARS)`;
  return rowError(place, column, preview, 'cell_too_long', description);
}
