import { Readable } from 'node:stream';
import ExcelJS, { type Row } from 'exceljs';
import { type CellValue, cellText, textCell } from '../rows/cell-value';
import { HEADER_SEARCH_ROWS, type HeaderMap, HeaderSearch } from '../rows/header';
import { cellTooLongError } from '../rows/row-errors';
import type { RowSink, SourceRow, SourceTable } from '../rows/source-table';
import { missingHeaderRejection, tooManyRowsRejection } from './rejections';
import { type CellOptions, decodeCellRef, headerCells, toCellValue } from './workbook-cells';
import type { DateStyleManager } from './workbook-styles';

/** Limits that apply while reading rows. */
export interface ReadLimits {
  maxRows: number;
  maxCellChars: number;
}

type SheetEvent = { eventType: string; value: unknown };

/** The parts of the exceljs streaming worksheet reader used here; its typings omit them. */
interface SheetReader {
  name: string;
  state?: string;
  iterator: unknown;
  parse(): AsyncGenerator<SheetEvent[]>;
}

/** The exceljs reader of a sheet's relationships part, which contains hyperlink targets. */
interface RelationshipsReader {
  id: string;
  on(event: 'hyperlink', listener: (relationship: { rId: string; target: string }) => void): void;
  read(): Promise<void>;
}

interface WorkbookReader {
  styles: unknown;
  properties?: { model?: { date1904?: boolean } };
  on(event: 'entry', listener: (entry: { type: string; id?: string }) => void): void;
  parse(): AsyncGenerator<SheetEvent>;
}

/** The sheet that contains the data, with its hyperlinks still to join. */
interface SheetRows {
  sheet: string;
  /** Number in the name of the sheet's part (`xl/worksheets/sheet3.xml`). */
  part: string;
  header: HeaderMap;
  dataRowCount: number;
  /** Cell references (or ranges) with a hyperlink, and the relationship id of the target. */
  links: Array<{ ref: string; rId: string }>;
}

/**
 * Reads the data rows of a workbook with the exceljs streaming reader: the first visible sheet
 * with a header row (within its first 10 rows) that has `order_url` and `amount`. The date
 * formats come from `styles`, so that date-formatted numbers are known, and hyperlink targets
 * are joined back from
 * the sheet's relationships part, which the streaming reader does not do. Memory grows with the
 * number of data rows kept, not with the file.
 */
export async function readWorkbook(
  buffer: Buffer,
  limits: ReadLimits,
  sink: RowSink,
  styles: DateStyleManager,
): Promise<SourceTable> {
  const reader = new ExcelJS.stream.xlsx.WorkbookReader(Readable.from([buffer]), {
    sharedStrings: 'cache',
    hyperlinks: 'emit',
    styles: 'ignore',
    worksheets: 'emit',
    entries: 'emit',
  }) as unknown as WorkbookReader;
  // The worksheet reader asks `workbook.styles` for each styled cell; with styles ignored exceljs
  // leaves that property alone, so the date-only stand-in stays in place.
  reader.styles = styles;

  let part = '';
  reader.on('entry', (entry) => {
    if (entry.type === 'worksheet') part = entry.id ?? '';
  });
  const search = new HeaderSearch();
  const targetsByPart = new Map<string, Map<string, string>>();
  let found: SheetRows | undefined;

  for await (const { eventType, value } of reader.parse()) {
    if (eventType === 'hyperlinks') {
      const relationships = value as RelationshipsReader;
      targetsByPart.set(relationships.id, await readLinkTargets(relationships));
    } else if (eventType === 'worksheet') {
      const sheet = value as SheetReader;
      if (found || sheet.state === 'hidden' || sheet.state === 'veryHidden') {
        skipSheet(sheet);
        continue;
      }
      const options = { maxChars: limits.maxCellChars, date1904: isDate1904(reader) };
      const rows = await readSheet(sheet, search, limits, options, sink);
      if (rows) found = { ...rows, part };
    }
  }

  if (!found) throw missingHeaderRejection(search);
  if (found.dataRowCount > limits.maxRows)
    throw tooManyRowsRejection(found.dataRowCount, limits.maxRows);
  const targets = targetsByPart.get(found.part) ?? new Map<string, string>();
  sink.replaceOrderUrls(linkedOrderUrls(found, targets, limits.maxCellChars));
  return { kind: 'xlsx', sheet: found.sheet, columns: found.header.columns };
}

function isDate1904(reader: WorkbookReader): boolean {
  return reader.properties?.model?.date1904 === true;
}

async function readLinkTargets(relationships: RelationshipsReader): Promise<Map<string, string>> {
  const targets = new Map<string, string>();
  relationships.on('hyperlink', (relationship) => {
    targets.set(relationship.rId, relationship.target);
  });
  await relationships.read();
  return targets;
}

/**
 * Leaves a sheet unread. A sheet that exceljs buffered in a temporary file comes with an open
 * file stream, which is closed here. A sheet read straight from the archive is drained by exceljs.
 */
function skipSheet(sheet: SheetReader): void {
  const source = sheet.iterator as { destroy?: () => void };
  if (typeof source.destroy === 'function') source.destroy();
}

/** Cell options, and the same for the order link column, built once per sheet. */
interface SheetCellOptions extends CellOptions {
  urlOptions: CellOptions;
}

async function readSheet(
  sheet: SheetReader,
  search: HeaderSearch,
  limits: ReadLimits,
  cellOptions: CellOptions,
  sink: RowSink,
): Promise<Omit<SheetRows, 'part'> | undefined> {
  const options: SheetCellOptions = {
    ...cellOptions,
    urlOptions: { ...cellOptions, linkFormulas: true },
  };
  let header: HeaderMap | undefined;
  const links: SheetRows['links'] = [];
  let dataRowCount = 0;

  for await (const events of sheet.parse()) {
    for (const { eventType, value } of events) {
      if (eventType === 'hyperlink') {
        const link = value as { ref?: string; rId?: string };
        if (link.ref && link.rId) links.push({ ref: link.ref, rId: link.rId });
        continue;
      }
      if (eventType !== 'row') continue;
      const row = value as Row;
      if (!header) {
        // The sheet has no header in its first rows: stop reading it and try the next one.
        if (row.number > HEADER_SEARCH_ROWS) return undefined;
        header = search.consider(row.number, headerCells(row, options), sheet.name);
        continue;
      }
      const source = toSourceRow(row, header, options);
      if (!source) continue;
      dataRowCount += 1;
      // Past the limit the rows are only counted, so that the rejection states the real number
      // and exceljs still reaches the end of the sheet and removes its temporary file.
      if (dataRowCount <= limits.maxRows) sink.add(source);
    }
  }
  if (!header) return undefined;
  return { sheet: sheet.name, header, dataRowCount, links };
}

/** Converts a row, or returns undefined for a blank row (including rows with formatting only). */
function toSourceRow(
  row: Row,
  header: HeaderMap,
  options: SheetCellOptions,
): SourceRow | undefined {
  const orderUrl = toCellValue(row.findCell(header.orderUrl), options.urlOptions);
  const amount = toCellValue(row.findCell(header.amount), options);
  const extra: Record<string, string> = {};
  let problems: SourceRow['problems'];
  let blank = orderUrl.kind === 'empty' && amount.kind === 'empty';

  for (const column of header.extras) {
    const value = toCellValue(row.findCell(column.position), options);
    if (value.kind === 'empty') continue;
    blank = false;
    if (value.kind === 'too_long') {
      problems ??= [];
      problems.push(
        cellTooLongError(
          { row: row.number },
          column.name,
          value.preview,
          value.length,
          options.maxChars,
        ),
      );
      continue;
    }
    extra[column.name] = cellText(value);
  }
  if (blank) return undefined;
  return { row: row.number, orderUrl, amount, extra, ...(problems ? { problems } : {}) };
}

/** Returns the link targets of linked cells in the order link column, by row number. */
function linkedOrderUrls(
  found: SheetRows,
  targets: Map<string, string>,
  maxChars: number,
): Map<number, CellValue> {
  const cells = new Map<number, CellValue>();
  for (const link of found.links) {
    const target = targets.get(link.rId);
    if (target === undefined) continue;
    const [first = '', last = first] = link.ref.split(':');
    const start = decodeCellRef(first);
    const end = decodeCellRef(last);
    if (!start || !end) continue;
    const column = found.header.orderUrl;
    if (column < start.column || column > end.column) continue;
    const cell = textCell(target, maxChars);
    for (let row = start.row; row <= end.row; row++) cells.set(row, cell);
  }
  return cells;
}
