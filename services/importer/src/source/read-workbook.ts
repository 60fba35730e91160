import { posix } from 'node:path';
import { Readable } from 'node:stream';
import ExcelJS, { type Row } from 'exceljs';
import { type CellValue, cellText, textCell } from '../rows/cell-value';
import { HEADER_SEARCH_ROWS, type HeaderMap, HeaderSearch } from '../rows/header';
import { cellTooLongError } from '../rows/row-errors';
import type { RowSink, SourceRow, SourceTable } from '../rows/source-table';
import { hiddenSheetRejection, missingHeaderRejection, tooManyRowsRejection } from './rejections';
import { type CellOptions, decodeCellRef, headerCells, toCellValue } from './workbook-cells';
import type { DateStyleManager } from './workbook-styles';
import { openZipEntryText, readZipEntry, type ZipEntry } from './zip-directory';

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
  parse(): AsyncGenerator<SheetEvent[]>;
}

/** The exceljs reader of a sheet's relationships part, which contains hyperlink targets. */
interface RelationshipsReader {
  on(event: 'hyperlink', listener: (relationship: { rId: string; target: string }) => void): void;
  read(): Promise<void>;
}

/** A sheet as the workbook part lists it, in tab order. */
interface SheetEntry {
  name?: string;
  state?: string;
  rId?: string;
}

/**
 * The exceljs workbook reader, driven part by part. Its own `parse()` reads the archive in one
 * streaming pass and fails on valid files. With a sheet stored before `xl/workbook.xml` it
 * parses the sheet before it has read the list of sheets ("Cannot read properties of undefined
 * (reading 'sheets')"). With the order exceljs itself writes, the same error came at random
 * under load (5 of 25 runs of the importer's test files), because the pass can end before its
 * last parts are taken. Here each part is opened through the central directory instead and handed
 * to the reader's part parsers, which exceljs 4.4 keeps as underscore methods.
 */
interface WorkbookPartsReader {
  styles: unknown;
  sharedStrings?: unknown[];
  workbookRels?: Array<{ Id?: string; Target?: string; Type?: string }>;
  model?: { sheets?: SheetEntry[] };
  properties?: { model?: { date1904?: boolean } };
  _parseRels(part: Readable): Promise<void>;
  _parseWorkbook(part: Readable): Promise<void>;
  _parseSharedStrings(part: Readable): AsyncGenerator<unknown>;
  _parseWorksheet(part: Readable, sheetNo: string): Generator<SheetEvent>;
  _parseHyperlinks(part: Readable, sheetNo: string): Generator<SheetEvent>;
}

/** The sheet that contains the data, with its hyperlinks still to join. */
interface SheetRows {
  sheet: string;
  header: HeaderMap;
  dataRowCount: number;
  /** Cell references (or ranges) with a hyperlink, and the relationship id of the target. */
  links: Array<{ ref: string; rId: string }>;
}

const WORKBOOK_PART = 'xl/workbook.xml';
const WORKBOOK_RELS_PART = 'xl/_rels/workbook.xml.rels';
const SHARED_STRINGS_PART = 'xl/sharedStrings.xml';
const WORKSHEET_TYPE_SUFFIX = '/worksheet';
const SHARED_STRINGS_TYPE_SUFFIX = '/sharedStrings';
/** The workbook part's flag for dates counted from 1904. exceljs reads only the value 1. */
const DATE_1904_ATTRIBUTE = /<(?:[\w-]+:)?workbookPr\b[^>]*?\bdate1904\s*=\s*["'](?:1|true)["']/;

/**
 * Reads the data rows of a workbook: the first visible sheet, in tab order, with a header row
 * (within its first 10 rows) that has `order_url` and `amount`. Parts are read in the order the
 * reader needs them, whatever their order in the archive. Each is streamed from the archive in
 * memory, so memory grows with the shared strings and the data rows kept, not with the size of
 * the sheet parts. The date formats come from `styles`, so that date-formatted numbers are
 * known, and hyperlink targets are joined back from the sheet's relationships part, which the
 * sheet reader does not do.
 */
export async function readWorkbook(
  buffer: Buffer,
  entries: ZipEntry[],
  limits: ReadLimits,
  sink: RowSink,
  styles: DateStyleManager,
): Promise<SourceTable> {
  const parts = new WorkbookParts(buffer, entries);
  const reader = new ExcelJS.stream.xlsx.WorkbookReader(Readable.from([]), {
    sharedStrings: 'cache',
    hyperlinks: 'emit',
    styles: 'ignore',
    worksheets: 'emit',
    entries: 'ignore',
  }) as unknown as WorkbookPartsReader;
  // The sheet reader asks `workbook.styles` for each styled cell. Because styles are ignored,
  // exceljs leaves that property alone and the date-only stand-in stays in place.
  reader.styles = styles;

  await reader._parseRels(parts.required(WORKBOOK_RELS_PART));
  await reader._parseWorkbook(parts.required(WORKBOOK_PART));
  const sheets = reader.model?.sheets;
  if (!sheets) throw new Error(`${WORKBOOK_PART} has no list of sheets`);
  await readSharedStrings(reader, parts);

  const search = new HeaderSearch();
  const date1904 = DATE_1904_ATTRIBUTE.test(parts.text(WORKBOOK_PART));
  // The sheet reader turns date-formatted numbers into dates by the flag it parsed itself.
  if (date1904 && reader.properties?.model) reader.properties.model.date1904 = true;
  const options = { maxChars: limits.maxCellChars, date1904 };
  for (const [index, entry] of sheets.entries()) {
    if (isHidden(entry)) continue;
    const path = relatedPath(reader, entry.rId, WORKSHEET_TYPE_SUFFIX);
    // A chart sheet, or a sheet without a link to its part, has no rows to read.
    if (path === undefined) continue;
    const name = entry.name ?? `Sheet${index + 1}`;
    if (!parts.has(path)) {
      throw new Error(`the sheet "${name}" refers to the part ${path}, which is missing`);
    }
    const sheetNo = String(index + 1);
    const targets = await readLinkTargets(reader, parts.open(relationshipsPath(path)), sheetNo);
    const sheet = sheetReader(reader, parts.required(path), sheetNo);
    sheet.name = name;
    const found = await readSheet(sheet, search, limits, options, sink);
    if (!found) continue;
    if (found.dataRowCount > limits.maxRows) {
      throw tooManyRowsRejection(found.dataRowCount, limits.maxRows);
    }
    sink.replaceOrderUrls(linkedOrderUrls(found, targets, limits.maxCellChars));
    return { kind: 'xlsx', sheet: found.sheet, columns: found.header.columns };
  }
  const hidden = await findHiddenDataSheet(reader, parts, sheets, options);
  if (hidden !== undefined) throw hiddenSheetRejection(hidden);
  throw missingHeaderRejection(search);
}

function isHidden(entry: SheetEntry): boolean {
  return entry.state === 'hidden' || entry.state === 'veryHidden';
}

/**
 * Returns the name of the first hidden sheet whose first rows contain a header with the
 * required columns, so that the rejection can name where the data is. Reads no data rows.
 */
async function findHiddenDataSheet(
  reader: WorkbookPartsReader,
  parts: WorkbookParts,
  sheets: SheetEntry[],
  options: CellOptions,
): Promise<string | undefined> {
  for (const [index, entry] of sheets.entries()) {
    if (!isHidden(entry)) continue;
    const path = relatedPath(reader, entry.rId, WORKSHEET_TYPE_SUFFIX);
    const part = path === undefined ? undefined : parts.open(path);
    if (!part) continue;
    if (await hasHeader(sheetReader(reader, part, String(index + 1)), options)) {
      return entry.name ?? `Sheet${index + 1}`;
    }
  }
  return undefined;
}

/** Tells whether one of the sheet's first rows is a header with the required columns. */
async function hasHeader(sheet: SheetReader, options: CellOptions): Promise<boolean> {
  const search = new HeaderSearch();
  for await (const events of sheet.parse()) {
    for (const { eventType, value } of events) {
      if (eventType !== 'row') continue;
      const row = value as Row;
      if (row.number > HEADER_SEARCH_ROWS) return false;
      if (search.consider(row.number, headerCells(row, options))) return true;
    }
  }
  return false;
}

/**
 * The parts of an archive by name. Part names compare without regard to case, as the Open
 * Packaging Conventions define them, so a link to `worksheets/Sheet1.xml` finds `sheet1.xml`.
 */
class WorkbookParts {
  readonly #entries: Map<string, ZipEntry>;

  constructor(
    private readonly buffer: Buffer,
    entries: ZipEntry[],
  ) {
    this.#entries = new Map(entries.map((entry) => [entry.name.toLowerCase(), entry]));
  }

  has(name: string): boolean {
    return this.#entries.has(name.toLowerCase());
  }

  /** Opens a part as a text stream, or returns undefined when the archive has none by that name. */
  open(name: string): Readable | undefined {
    const entry = this.#entries.get(name.toLowerCase());
    return entry ? openZipEntryText(this.buffer, entry) : undefined;
  }

  required(name: string): Readable {
    const part = this.open(name);
    if (!part) throw new Error(`the part ${name} is missing`);
    return part;
  }

  /**
   * Returns the text of a small part whole, or an empty string when it is missing. It may
   * inflate to no more than the size the directory declares, which the size check counted.
   */
  text(name: string): string {
    const entry = this.#entries.get(name.toLowerCase());
    if (!entry) return '';
    return readZipEntry(this.buffer, entry, Math.max(entry.uncompressedSize, 1)).toString('utf8');
  }
}

/**
 * Reads the shared strings into the reader's cache, from the part the workbook links to, or
 * from the usual path. Without one, cells keep their text inline.
 */
async function readSharedStrings(reader: WorkbookPartsReader, parts: WorkbookParts) {
  const linked = relatedPath(reader, undefined, SHARED_STRINGS_TYPE_SUFFIX);
  const part = parts.open(linked ?? SHARED_STRINGS_PART);
  if (!part) {
    // Without the part that the workbook lists, every text cell would read as empty.
    if (linked !== undefined) throw new Error(`the shared strings part ${linked} is missing`);
    reader.sharedStrings = [];
    return;
  }
  for await (const _ of reader._parseSharedStrings(part)) {
    // With sharedStrings 'cache' the reader keeps the strings and yields nothing.
  }
}

/**
 * Finds the archive path that a workbook relationship of the given type points to: the one
 * with id `rId`, or the first of that type when `rId` is undefined.
 */
function relatedPath(
  reader: WorkbookPartsReader,
  rId: string | undefined,
  typeSuffix: string,
): string | undefined {
  const relationship = reader.workbookRels?.find(
    (candidate) =>
      (rId === undefined || candidate.Id === rId) && candidate.Type?.endsWith(typeSuffix),
  );
  if (!relationship?.Target) return undefined;
  let target = relationship.Target;
  try {
    target = decodeURIComponent(target);
  } catch {
    // A stray % is part of the name.
  }
  // Targets are relative to xl/, or absolute from the archive root with a leading slash.
  return target.startsWith('/')
    ? posix.normalize(target.slice(1))
    : posix.normalize(`xl/${target}`);
}

/** `xl/worksheets/sheet1.xml` has its relationships in `xl/worksheets/_rels/sheet1.xml.rels`. */
function relationshipsPath(path: string): string {
  return posix.join(posix.dirname(path), '_rels', `${posix.basename(path)}.rels`);
}

function sheetReader(reader: WorkbookPartsReader, part: Readable, sheetNo: string): SheetReader {
  for (const { eventType, value } of reader._parseWorksheet(part, sheetNo)) {
    if (eventType === 'worksheet') return value as SheetReader;
  }
  throw new Error('exceljs returned no reader for a worksheet');
}

/** Reads the hyperlink targets of a sheet's relationships part, by relationship id. */
async function readLinkTargets(
  reader: WorkbookPartsReader,
  part: Readable | undefined,
  sheetNo: string,
): Promise<Map<string, string>> {
  const targets = new Map<string, string>();
  if (!part) return targets;
  for (const { eventType, value } of reader._parseHyperlinks(part, sheetNo)) {
    if (eventType !== 'hyperlinks') continue;
    const relationships = value as RelationshipsReader;
    relationships.on('hyperlink', (relationship) => {
      targets.set(relationship.rId, relationship.target);
    });
    await relationships.read();
  }
  return targets;
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
): Promise<SheetRows | undefined> {
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
      // Past the limit the rows are only counted, so that the rejection states the real number.
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
