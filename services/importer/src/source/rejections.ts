import { ImportRejection } from '../import-rejection';
import { type HeaderSearch, REQUIRED_COLUMNS } from '../rows/header';
import { rowError } from '../rows/row-errors';

/** Rejection for a file or sheet with no header row that has both required columns. */
export function missingHeaderRejection(search: HeaderSearch): ImportRejection {
  const failure = search.describeFailure();
  const place = failure.row === undefined ? undefined : { row: failure.row };
  const errors = failure.missing.map((column) =>
    rowError(place, column, undefined, 'missing_column', 'missing from the header row'),
  );
  return new ImportRejection('IMPORT_REJECTED', failure.message, errors);
}

/** Rejection for a workbook whose only sheet with the required columns is hidden. */
export function hiddenSheetRejection(sheet: string): ImportRejection {
  const message =
    `The columns ${Object.values(REQUIRED_COLUMNS).join(' and ')} are on the hidden sheet ` +
    `"${sheet}", and hidden sheets are not read. Unhide the sheet, or copy its rows to a ` +
    'visible sheet, and upload the file again';
  return new ImportRejection('IMPORT_REJECTED', message);
}

/** Rejection for more data rows than a batch may hold. */
export function tooManyRowsRejection(rowCount: number, maxRows: number): ImportRejection {
  const message =
    `The import has ${rowCount.toLocaleString('en-US')} rows; a batch holds at most ` +
    `${maxRows.toLocaleString('en-US')}. Split the rows into several imports`;
  const error = rowError(undefined, undefined, undefined, 'too_many_rows', message);
  return new ImportRejection('TOO_MANY_ROWS', message, [error]);
}
