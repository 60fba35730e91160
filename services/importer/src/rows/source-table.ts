import type { RowError } from '@orderflow/contracts';
import type { CellValue } from './cell-value';

/** One data row of a sheet, CSV file or JSON array, before validation. */
export interface SourceRow {
  /** Row number as the spreadsheet shows it (header counted), or the JSON index. */
  row: number;
  orderUrl: CellValue;
  amount: CellValue;
  /** Non-empty extra columns by header name, as text. */
  extra: Record<string, string>;
  /** Problems found while reading, such as an extra cell that is too long. */
  problems?: RowError[];
  /** The row is not a record at all (a JSON item that is no object); only `problems` apply. */
  unusable?: boolean;
}

/** Description of the rows' source, for the `batch.created` event and for error wording. */
export interface SourceTable {
  kind: 'xlsx' | 'csv' | 'json';
  /** Name of the sheet the rows came from (workbooks only). */
  sheet?: string;
  /** Header names in file order, extra columns included. */
  columns: string[];
}

/** Takes the data rows of a source as a reader produces them. */
export interface RowSink {
  add(row: SourceRow): void;
  /** Replaces the order link cells of some rows, by row number, once hyperlinks are known. */
  replaceOrderUrls(cells: Map<number, CellValue>): void;
}
