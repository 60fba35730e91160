import { normalizeColumnName } from '@orderflow/contracts';
import type { ReadModelDb } from '../db/database';
import type { BatchRow, ItemRow } from '../db/schema';
import { listItemsAfter } from './queries';

/** Result columns appended after the original columns of each row. */
export const RESULT_COLUMNS = [
  'status',
  'order_number',
  'final_order_url',
  'failure_reason',
  'attempts',
] as const;

const PAGE_SIZE = 2_000;

/** Header of an export: the original columns in file order, then the result columns. */
export function exportHeader(batch: BatchRow): string[] {
  const original = batch.columns.length > 0 ? batch.columns : ['order_url', 'amount'];
  return [...original, ...RESULT_COLUMNS];
}

const ORDER_URL_KEY = normalizeColumnName('order_url');
const AMOUNT_KEY = normalizeColumnName('amount');

/**
 * Returns a row's values for the original columns. The import's header rule decides which
 * columns are `order_url` and `amount`, so `Order URL` counts too. Only the first such column
 * is the required one, because a later column of the same name was imported as an extra.
 */
function originalValues(item: ItemRow, columns: string[]): string[] {
  let orderUrlSeen = false;
  let amountSeen = false;
  return columns.map((column) => {
    const key = normalizeColumnName(column);
    if (key === ORDER_URL_KEY && !orderUrlSeen) {
      orderUrlSeen = true;
      return item.order_url ?? '';
    }
    if (key === AMOUNT_KEY && !amountSeen) {
      amountSeen = true;
      return item.amount ?? '';
    }
    return item.extra[column] ?? '';
  });
}

/** Builds one export row, in the order of {@link exportHeader}. */
export function exportRow(batch: BatchRow, item: ItemRow): Array<string | number> {
  const original = batch.columns.length > 0 ? batch.columns : ['order_url', 'amount'];
  return [
    ...originalValues(item, original),
    item.status,
    item.order_number ?? '',
    item.final_order_url ?? '',
    item.failure_reason ?? '',
    item.attempts,
  ];
}

/** Reads the items of a batch in import order, one page at a time, for streaming. */
export async function* readItemPages(db: ReadModelDb, batchId: string): AsyncGenerator<ItemRow[]> {
  let afterIndex = -1;
  for (;;) {
    const page = await listItemsAfter(db, batchId, afterIndex, PAGE_SIZE);
    if (page.length === 0) return;
    yield page;
    afterIndex = page.at(-1)!.idx ?? afterIndex;
    if (page.length < PAGE_SIZE) return;
  }
}
