import { ImportRejection } from '../import-rejection';
import type { HeaderSearch } from '../rows/header';
import { rowError } from '../rows/row-errors';

/** Rejection for a file or sheet with no header row that has both required columns. */
export function missingHeaderRejection(search: HeaderSearch): ImportRejection {
  const failure = search.describeFailure();
  const place = failure.row === undefined ? undefined : { row: failure.row };
  const errors = failure.missing.map((column) =>
    rowError(place, column, undefined, 'missing_column', `the column ${column} is missing`),
  );
  return new ImportRejection('IMPORT_REJECTED', failure.message, errors);
}

/** Rejection for more data rows than a batch may hold. */
export function tooManyRowsRejection(rowCount: number, maxRows: number): ImportRejection {
  const message =
    `The import has ${rowCount.toLocaleString('en-US')} rows; a batch holds at most ` +
    `${maxRows.toLocaleString('en-US')}. Split the rows into several imports`;
  const error = rowError(undefined, undefined, undefined, 'too_many_rows', message);
  return new ImportRejection('TOO_MANY_ROWS', message, [error]);
}
