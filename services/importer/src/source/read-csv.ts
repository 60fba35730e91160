import { type CsvError, parse } from 'csv-parse';
import { ImportRejection } from '../import-rejection';
import { cellText, textCell } from '../rows/cell-value';
import { HEADER_SEARCH_ROWS, type HeaderMap, HeaderSearch } from '../rows/header';
import { cellTooLongError, rowError } from '../rows/row-errors';
import type { RowSink, SourceRow, SourceTable } from '../rows/source-table';
import type { ReadLimits } from './read-workbook';
import { missingHeaderRejection, tooManyRowsRejection } from './rejections';

/** Field delimiters tried, in this order, on the first rows of a CSV file. */
const DELIMITERS = [',', ';', '\t'] as const;

function parser(text: string, delimiter: string, toLine?: number) {
  return parse(text, {
    delimiter,
    record_delimiter: ['\r\n', '\n', '\r'],
    relax_column_count: true,
    relax_quotes: true,
    skip_empty_lines: false,
    ...(toLine === undefined ? {} : { to_line: toLine }),
  });
}

/** Finds the delimiter and header: the first delimiter whose first rows contain a header row. */
async function findHeader(
  text: string,
): Promise<{ delimiter: string; header: HeaderMap; headerRow: number }> {
  const search = new HeaderSearch();
  for (const delimiter of DELIMITERS) {
    let row = 0;
    try {
      for await (const record of parser(text, delimiter, HEADER_SEARCH_ROWS)) {
        row += 1;
        const cells = (record as string[]).map((field, i) => ({ position: i, text: field }));
        const header = search.consider(row, cells);
        if (header) return { delimiter, header, headerRow: row };
      }
    } catch {
      // A quoting error in the first rows with this delimiter; the next one may fit.
    }
  }
  throw missingHeaderRejection(search);
}

/**
 * Reads a CSV file (UTF-8 text, byte-order mark already removed). The delimiter is comma,
 * semicolon or tab, whichever makes a header row with `order_url` and `amount` within the first
 * 10 rows. Row numbers count records as a spreadsheet shows them, header included.
 */
export async function readCsv(
  text: string,
  limits: ReadLimits,
  sink: RowSink,
): Promise<SourceTable> {
  const { delimiter, header, headerRow } = await findHeader(text);
  let row = 0;
  let dataRowCount = 0;

  try {
    for await (const record of parser(text, delimiter)) {
      row += 1;
      if (row <= headerRow) continue;
      const source = toSourceRow(record as string[], row, header, limits.maxCellChars);
      if (!source) continue;
      dataRowCount += 1;
      if (dataRowCount <= limits.maxRows) sink.add(source);
    }
  } catch (error) {
    throw csvRejection(error as CsvError);
  }
  if (dataRowCount > limits.maxRows) throw tooManyRowsRejection(dataRowCount, limits.maxRows);
  return { kind: 'csv', columns: header.columns };
}

function csvRejection(error: CsvError): ImportRejection {
  const line = (error as { lines?: number }).lines;
  const where = line === undefined ? '' : ` near line ${line}`;
  const message = `The CSV file cannot be read${where}: ${error.message}. Check the quotes in that line`;
  const problem = rowError(undefined, undefined, undefined, 'unreadable_file', message);
  return new ImportRejection('IMPORT_REJECTED', message, [problem], 1, { cause: error });
}

function toSourceRow(
  fields: string[],
  row: number,
  header: HeaderMap,
  maxChars: number,
): SourceRow | undefined {
  const orderUrl = textCell(fields[header.orderUrl] ?? '', maxChars);
  const amount = textCell(fields[header.amount] ?? '', maxChars);
  const extra: Record<string, string> = {};
  let problems: SourceRow['problems'];
  let blank = orderUrl.kind === 'empty' && amount.kind === 'empty';

  for (const column of header.extras) {
    const value = textCell(fields[column.position] ?? '', maxChars);
    if (value.kind === 'empty') continue;
    blank = false;
    if (value.kind === 'too_long') {
      problems ??= [];
      problems.push(cellTooLongError({ row }, column.name, value.preview, value.length, maxChars));
      continue;
    }
    extra[column.name] = cellText(value);
  }
  if (blank) return undefined;
  return { row, orderUrl, amount, extra, ...(problems ? { problems } : {}) };
}
