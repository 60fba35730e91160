import type { BatchStatus, ItemStatus } from '@orderflow/contracts';
import { sql } from 'kysely';
import type { ReadModelDb } from '../db/database';
import type { AttemptRow, BatchRow, EventLogRow, ItemRow } from '../db/schema';

/** An item with the artifacts and timings of its latest attempt. */
export type ItemWithAttempt = ItemRow & {
  latest_artifacts: Record<string, string> | null;
  latest_timings: Record<string, unknown> | null;
};

/** Returns a batch once `batch.created` and all its items were projected, or undefined. */
export async function findBatch(db: ReadModelDb, batchId: string): Promise<BatchRow | undefined> {
  return db
    .selectFrom('batches')
    .selectAll()
    .where('id', '=', batchId)
    .where('visible', '=', true)
    .executeTakeFirst();
}

/** Lists visible batches, newest first. */
export async function listBatches(
  db: ReadModelDb,
  query: { skip: number; limit: number; status?: BatchStatus | undefined },
): Promise<BatchRow[]> {
  let select = db.selectFrom('batches').selectAll().where('visible', '=', true);
  if (query.status) select = select.where('status', '=', query.status);
  return select
    .orderBy('created_at', 'desc')
    .orderBy('id')
    .offset(query.skip)
    .limit(query.limit)
    .execute();
}

/** Counts visible batches, optionally of one status. */
export async function countBatches(
  db: ReadModelDb,
  status?: BatchStatus | undefined,
): Promise<number> {
  let select = db
    .selectFrom('batches')
    .select((eb) => eb.fn.countAll<string>().as('count'))
    .where('visible', '=', true);
  if (status) select = select.where('status', '=', status);
  const row = await select.executeTakeFirstOrThrow();
  return Number(row.count);
}

function itemsWithAttempt(db: ReadModelDb) {
  return db
    .selectFrom('items')
    .leftJoin('attempts', (join) =>
      join
        .onRef('attempts.item_id', '=', 'items.id')
        .onRef('attempts.attempt', '=', 'items.attempts'),
    )
    .selectAll('items')
    .select(['attempts.artifacts as latest_artifacts', 'attempts.timings as latest_timings']);
}

/** Lists a page of a batch's items in import order. */
export async function listItems(
  db: ReadModelDb,
  batchId: string,
  query: { skip: number; limit: number; status?: ItemStatus | undefined },
): Promise<ItemWithAttempt[]> {
  let select = itemsWithAttempt(db).where('items.batch_id', '=', batchId);
  if (query.status) select = select.where('items.status', '=', query.status);
  return select.orderBy('items.idx').offset(query.skip).limit(query.limit).execute();
}

/** Lists items after position `afterIndex` in import order, for streaming exports. */
export async function listItemsAfter(
  db: ReadModelDb,
  batchId: string,
  afterIndex: number,
  limit: number,
): Promise<ItemRow[]> {
  return db
    .selectFrom('items')
    .selectAll()
    .where('batch_id', '=', batchId)
    .where('idx', '>', afterIndex)
    .orderBy('idx')
    .limit(limit)
    .execute();
}

/** Returns an item of a visible batch, or undefined. */
export async function findItem(
  db: ReadModelDb,
  itemId: string,
): Promise<ItemWithAttempt | undefined> {
  return itemsWithAttempt(db)
    .where('items.id', '=', itemId)
    .where('items.idx', 'is not', null)
    .where((eb) =>
      eb.exists(
        eb
          .selectFrom('batches')
          .select('batches.id')
          .whereRef('batches.id', '=', 'items.batch_id')
          .where('batches.visible', '=', true),
      ),
    )
    .executeTakeFirst();
}

/** Lists the attempts of an item, first attempt first. */
export async function listAttempts(db: ReadModelDb, itemId: string): Promise<AttemptRow[]> {
  return db
    .selectFrom('attempts')
    .selectAll()
    .where('item_id', '=', itemId)
    .orderBy('attempt')
    .execute();
}

/** Returns one attempt of an item, or undefined. */
export async function findAttempt(
  db: ReadModelDb,
  itemId: string,
  attempt: number,
): Promise<AttemptRow | undefined> {
  return db
    .selectFrom('attempts')
    .selectAll()
    .where('item_id', '=', itemId)
    .where('attempt', '=', attempt)
    .executeTakeFirst();
}

/** Totals across visible batches: batches per status and items per status. */
export interface Stats {
  batches: Record<string, number>;
  items: Record<string, number>;
  total_batches: number;
  total_items: number;
}

/** Sums the per-batch counts, so the cost grows with batches rather than items. */
export async function readStats(db: ReadModelDb): Promise<Stats> {
  const rows = await db
    .selectFrom('batches')
    .where('visible', '=', true)
    .select((eb) => [
      'status',
      eb.fn.countAll<string>().as('batches'),
      sql<string>`coalesce(sum(pending_count), 0)`.as('pending'),
      sql<string>`coalesce(sum(processing_count), 0)`.as('processing'),
      sql<string>`coalesce(sum(success_count), 0)`.as('success'),
      sql<string>`coalesce(sum(failed_count), 0)`.as('failed'),
      sql<string>`coalesce(sum(skipped_count), 0)`.as('skipped'),
    ])
    .groupBy('status')
    .execute();
  const stats: Stats = {
    batches: { pending: 0, processing: 0, completed: 0, failed: 0, cancelled: 0 },
    items: { pending: 0, processing: 0, success: 0, failed: 0, skipped: 0 },
    total_batches: 0,
    total_items: 0,
  };
  for (const row of rows) {
    stats.batches[row.status] = Number(row.batches);
    stats.total_batches += Number(row.batches);
    for (const status of Object.keys(stats.items)) {
      const count = Number(row[status as keyof typeof row]);
      stats.items[status] = (stats.items[status] ?? 0) + count;
      stats.total_items += count;
    }
  }
  return stats;
}

/** Returns up to `limit` logged events of a batch after feed id `afterFeedId`, in commit order. */
export async function eventsAfter(
  db: ReadModelDb,
  batchId: string,
  afterFeedId: number,
  limit: number,
): Promise<EventLogRow[]> {
  return db
    .selectFrom('event_log')
    .selectAll()
    .where('batch_id', '=', batchId)
    .where('feed_id', '>', String(afterFeedId))
    .orderBy('feed_id')
    .limit(limit)
    .execute();
}

/** Lists the logged events of one item in stream order, hand updates included. */
export async function listItemEvents(db: ReadModelDb, itemId: string): Promise<EventLogRow[]> {
  return db
    .selectFrom('event_log')
    .selectAll()
    .where('item_id', '=', itemId)
    .orderBy('seq')
    .execute();
}

/**
 * Returns the batch event that responds to a command: its transition or its rejection. Item
 * events with the same causation id (the requeued items of a retry) are not the response.
 */
export async function findEventCausedBy(
  db: ReadModelDb,
  commandId: string,
): Promise<EventLogRow | undefined> {
  return db
    .selectFrom('event_log')
    .selectAll()
    .where('causation_id', '=', commandId)
    .where('type', 'like', 'batch.%')
    .orderBy('seq')
    .limit(1)
    .executeTakeFirst();
}

/** Counts the logged events of one type that a command caused. */
export async function countEventsCausedBy(
  db: ReadModelDb,
  commandId: string,
  type: string,
): Promise<number> {
  const row = await db
    .selectFrom('event_log')
    .select((eb) => eb.fn.countAll<string>().as('count'))
    .where('causation_id', '=', commandId)
    .where('type', '=', type)
    .executeTakeFirstOrThrow();
  return Number(row.count);
}

/** Returns the logged import rejection of a batch, or undefined. */
export async function findImportRejection(
  db: ReadModelDb,
  batchId: string,
): Promise<EventLogRow | undefined> {
  return db
    .selectFrom('event_log')
    .selectAll()
    .where('batch_id', '=', batchId)
    .where('type', '=', 'batch.import_rejected')
    .orderBy('seq')
    .limit(1)
    .executeTakeFirst();
}

/** Tells whether the event with stream sequence `seq` was projected. */
export async function isProjected(db: ReadModelDb, seq: number): Promise<boolean> {
  const row = await db
    .selectFrom('event_log')
    .select('seq')
    .where('seq', '=', String(seq))
    .executeTakeFirst();
  return row !== undefined;
}

/** An item whose order link another batch already worked or is working on. */
export interface RepeatedOrder {
  idx: number | null;
  row_number: number | null;
  order_url: string;
  other_batch_id: string;
  other_status: ItemStatus;
}

/**
 * Condition that another item with the same link, `other`, is done (`success`), in a browser
 * (`processing`), or queued (`pending` in a processing batch that is not being cancelled).
 */
const workedElsewhere = sql`
  other.order_url = mine.order_url AND other.batch_id <> mine.batch_id
  AND (other.status IN ('success', 'processing')
    OR (other.status = 'pending' AND other_batch.status = 'processing'
      AND NOT other_batch.cancel_requested))`;

/**
 * Finds the items of a batch whose order link another batch has done or is working on. Returns
 * how many items repeat a link and the first `limit` of them in import order, each with one
 * other batch, a successful one where there is one. The hash index on `items.order_url` makes
 * each check one index probe.
 */
export async function findRepeatedOrders(
  db: ReadModelDb,
  batchId: string,
  limit: number,
): Promise<{ count: number; examples: RepeatedOrder[] }> {
  const counted = await sql<{ count: string }>`
    SELECT count(*) AS count FROM items mine
    WHERE mine.batch_id = ${batchId} AND EXISTS (
      SELECT 1 FROM items other JOIN batches other_batch ON other_batch.id = other.batch_id
      WHERE ${workedElsewhere})`.execute(db);
  const count = Number(counted.rows[0]?.count ?? 0);
  if (count === 0) return { count, examples: [] };

  const { rows } = await sql<RepeatedOrder>`
    SELECT mine.idx, mine.row_number, mine.order_url, found.other_batch_id, found.other_status
    FROM items mine
    CROSS JOIN LATERAL (
      SELECT other.batch_id AS other_batch_id, other.status AS other_status
      FROM items other JOIN batches other_batch ON other_batch.id = other.batch_id
      WHERE ${workedElsewhere}
      ORDER BY other.status = 'success' DESC, other.batch_id
      LIMIT 1
    ) found
    WHERE mine.batch_id = ${batchId}
    ORDER BY mine.idx
    LIMIT ${limit}`.execute(db);
  return { count, examples: rows };
}
