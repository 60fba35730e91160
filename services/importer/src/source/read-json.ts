import { ImportRejection } from '../import-rejection';
import { type CellValue, EMPTY_CELL, textCell } from '../rows/cell-value';
import { MAX_EXTRA_COLUMNS, normalizeHeader, REQUIRED_COLUMNS } from '../rows/header';
import { cellTooLongError, type RowPlace, rowError } from '../rows/row-errors';
import type { RowSink, SourceRow, SourceTable } from '../rows/source-table';
import type { ReadLimits } from './read-workbook';
import { tooManyRowsRejection } from './rejections';

const ORDER_URL_KEY = normalizeHeader(REQUIRED_COLUMNS.orderUrl);
const AMOUNT_KEY = normalizeHeader(REQUIRED_COLUMNS.amount);

function jsonCell(value: unknown, maxChars: number): CellValue {
  if (value === null || value === undefined) return EMPTY_CELL;
  if (typeof value === 'string') return textCell(value, maxChars);
  if (typeof value === 'number') return { kind: 'number', value };
  if (typeof value === 'boolean') return { kind: 'boolean', value };
  return textCell(JSON.stringify(value), maxChars);
}

function jsonText(value: unknown): string {
  if (value === null || value === undefined) return '';
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** Collects extra field names in first-seen order, up to {@link MAX_EXTRA_COLUMNS}. */
class ExtraColumns {
  readonly names: string[] = [];
  private readonly known = new Set<string>();

  accepts(name: string): boolean {
    if (this.known.has(name)) return true;
    if (this.names.length >= MAX_EXTRA_COLUMNS) return false;
    this.known.add(name);
    this.names.push(name);
    return true;
  }
}

function toSourceRow(
  item: unknown,
  index: number,
  extras: ExtraColumns,
  limits: ReadLimits,
): SourceRow {
  const place: RowPlace = { index };
  if (typeof item !== 'object' || item === null || Array.isArray(item)) {
    const problem = rowError(
      place,
      undefined,
      jsonText(item),
      'missing_value',
      'the item is not an object with order_url and amount',
    );
    return {
      row: index,
      orderUrl: EMPTY_CELL,
      amount: EMPTY_CELL,
      extra: {},
      problems: [problem],
      unusable: true,
    };
  }
  let orderUrl: CellValue | undefined;
  let amount: CellValue | undefined;
  const extra: Record<string, string> = {};
  let problems: SourceRow['problems'];

  for (const [key, value] of Object.entries(item)) {
    const normalized = normalizeHeader(key);
    if (normalized === ORDER_URL_KEY && orderUrl === undefined) {
      orderUrl = jsonCell(value, limits.maxCellChars);
    } else if (normalized === AMOUNT_KEY && amount === undefined) {
      amount = jsonCell(value, limits.maxCellChars);
    } else {
      const text = jsonText(value).trim();
      if (text.length === 0 || !extras.accepts(key)) continue;
      if (text.length > limits.maxCellChars) {
        problems ??= [];
        problems.push(
          cellTooLongError(place, key, text.slice(0, 80), text.length, limits.maxCellChars),
        );
        continue;
      }
      extra[key] = text;
    }
  }
  return {
    row: index,
    orderUrl: orderUrl ?? EMPTY_CELL,
    amount: amount ?? EMPTY_CELL,
    extra,
    ...(problems ? { problems } : {}),
  };
}

/**
 * Reads JSON items (`{ order_url, amount, ...extra }`). Field names match like header names;
 * extra fields are kept as text. Row numbers are the 0-based item index.
 */
export function readJsonItems(items: unknown[], limits: ReadLimits, sink: RowSink): SourceTable {
  if (items.length > limits.maxRows) throw tooManyRowsRejection(items.length, limits.maxRows);
  const extras = new ExtraColumns();
  for (const [index, item] of items.entries()) sink.add(toSourceRow(item, index, extras, limits));
  const { orderUrl, amount } = REQUIRED_COLUMNS;
  return { kind: 'json', columns: [orderUrl, amount, ...extras.names] };
}

/**
 * Parses a JSON request body stored in the uploads bucket: either the request object with a
 * `task_items` array, or the array of items itself.
 */
export function parseJsonBody(buffer: Buffer): unknown[] {
  let body: unknown;
  try {
    body = JSON.parse(buffer.toString('utf8'));
  } catch (error) {
    const message = `The JSON body cannot be parsed: ${(error as Error).message}`;
    const problem = rowError(undefined, undefined, undefined, 'unreadable_file', message);
    throw new ImportRejection('IMPORT_REJECTED', message, [problem], 1, { cause: error });
  }
  if (Array.isArray(body)) return body;
  const items = (body as { task_items?: unknown } | null)?.task_items;
  if (Array.isArray(items)) return items;
  const message = 'The JSON body has no task_items array';
  const problem = rowError(undefined, 'task_items', undefined, 'missing_column', message);
  throw new ImportRejection('IMPORT_REJECTED', message, [problem]);
}
