import type { ImportedItem, OrderflowEvent } from '@orderflow/contracts';
import { type Kysely, sql, type Transaction } from 'kysely';
import type { ReadModelDb } from '../db/database';
import type { Database } from '../db/schema';
import { type AttemptPatch, attemptOf, mergeAttemptEvent } from './attempt-patch';
import { type BatchState, moveCount, reduceBatch, updateVisibility } from './batch-state';
import {
  ITEM_DECISION_TYPES,
  type ItemState,
  mergeLateEvent,
  newItemState,
  reduceItem,
} from './item-state';
import { PROJECTION_CHANNEL } from './notification';

/** An event with the stream sequence JetStream stored it under. */
export interface StreamEvent {
  seq: number;
  event: OrderflowEvent;
}

/** Changes made by one call of {@link applyEvents}. */
export interface ApplyResult {
  /** Events applied for the first time; the rest had been applied before. */
  applied: number;
  batchIds: string[];
  maxSeq: number;
}

/** Key of the advisory lock that serializes projector transactions across replicas. */
const PROJECTION_LOCK_KEY = 7_402_113_001;

/** A Postgres NOTIFY payload must stay under 8,000 bytes; past this many ids, notify all. */
const MAX_NOTIFIED_BATCHES = 150;

type Trx = Transaction<Database>;

/**
 * Applies a batch of events in one transaction. The event log's primary key on the stream
 * sequence makes every event apply once. Per-row sequences keep an older event from overwriting
 * a newer state when redeliveries arrive out of order. Transactions of several projectors
 * (gateway replicas) take turns on one advisory lock, so per-status counts stay exact and the
 * event log's feed ids follow commit order. A NOTIFY in the same transaction wakes waiters in
 * every replica after the commit.
 */
export async function applyEvents(db: ReadModelDb, events: StreamEvent[]): Promise<ApplyResult> {
  const ordered = uniqueBySeq(events);
  const maxSeq = ordered.at(-1)?.seq ?? 0;
  return db.transaction().execute(async (trx) => {
    await sql`SELECT pg_advisory_xact_lock(${PROJECTION_LOCK_KEY}::bigint)`.execute(trx);
    const feedIds = await logEvents(trx, ordered);
    const fresh = ordered.filter((entry) => feedIds.has(entry.seq));
    if (fresh.length === 0) return { applied: 0, batchIds: [], maxSeq };

    const statusMoves = await applyItemEvents(trx, fresh);
    await applyAttemptEvents(trx, fresh);
    const batchIds = await applyBatchEvents(trx, fresh, statusMoves, feedIds);
    await notify(trx, batchIds, maxSeq);
    return { applied: fresh.length, batchIds, maxSeq };
  });
}

function uniqueBySeq(events: StreamEvent[]): StreamEvent[] {
  const bySeq = new Map(events.map((entry) => [entry.seq, entry]));
  return [...bySeq.values()].sort((a, b) => a.seq - b.seq);
}

/**
 * Passes rows as one JSON array parameter, which SQL expands with `jsonb_to_recordset`. Postgres
 * estimates 100 rows for that function whatever the array holds, so updates that join it also
 * filter by `id = ANY(ids)`: otherwise the planner picks a sequential scan of the whole table.
 */
function json(rows: unknown[]) {
  return sql`${JSON.stringify(rows)}::jsonb`;
}

function logData(event: OrderflowEvent): Record<string, unknown> {
  if (event.type === 'batch.items_added') {
    return { chunk: event.data.chunk, itemCount: event.data.items.length };
  }
  return event.data as Record<string, unknown>;
}

/** Logs the events that are new and returns their feed ids by stream sequence. */
async function logEvents(trx: Trx, events: StreamEvent[]): Promise<Map<number, number>> {
  const rows = events.map(({ seq, event }) => ({
    seq,
    event_id: event.id,
    batch_id: event.batchId,
    item_id: event.itemId ?? null,
    type: event.type,
    attempt: event.attempt ?? null,
    causation_id: event.causationId ?? null,
    time: event.time,
    data: logData(event),
  }));
  const result = await sql<{ seq: string; feed_id: string }>`
    INSERT INTO event_log (seq, event_id, batch_id, item_id, type, attempt, causation_id, time, data)
    SELECT seq, event_id, batch_id, item_id, type, attempt, causation_id, time, data
    FROM jsonb_to_recordset(${json(rows)}) AS x(seq bigint, event_id text, batch_id text,
      item_id text, type text, attempt int, causation_id text, time timestamptz, data jsonb)
    ORDER BY seq
    ON CONFLICT (seq) DO NOTHING
    RETURNING seq, feed_id`.execute(trx);
  return new Map(result.rows.map((row) => [Number(row.seq), Number(row.feed_id)]));
}

/** An item status change, for the batch counts. `from` is undefined for a new item. */
interface StatusMove {
  batchId: string;
  from: string | undefined;
  to: string;
}

interface TouchedItem {
  batchId: string;
  added?: ImportedItem;
  decisions: StreamEvent[];
}

function collectItems(events: StreamEvent[]): Map<string, TouchedItem> {
  const touched = new Map<string, TouchedItem>();
  const touch = (itemId: string, batchId: string) => {
    let entry = touched.get(itemId);
    if (!entry) {
      entry = { batchId, decisions: [] };
      touched.set(itemId, entry);
    }
    return entry;
  };
  for (const entry of events) {
    const { event } = entry;
    if (event.type === 'batch.items_added') {
      for (const item of event.data.items) {
        const target = touch(item.itemId, event.batchId);
        target.added ??= item;
      }
    } else if (ITEM_DECISION_TYPES.has(event.type) && event.itemId) {
      touch(event.itemId, event.batchId).decisions.push(entry);
    }
  }
  return touched;
}

async function applyItemEvents(trx: Trx, events: StreamEvent[]): Promise<StatusMove[]> {
  const touched = collectItems(events);
  if (touched.size === 0) return [];
  const ids = [...touched.keys()].sort();

  const inserted = await insertNewItems(trx, ids, touched);
  const existing = ids.filter((id) => !inserted.has(id));
  const states = await lockItems(trx, existing);
  await fillImportedFields(trx, existing, states, touched);

  const moves: StatusMove[] = [];
  const changed: Array<ItemState & { id: string }> = [];
  for (const id of ids) {
    const entry = touched.get(id)!;
    const isNew = inserted.has(id);
    const before = isNew ? newItemState() : states.get(id)?.state;
    if (!before) continue;
    if (isNew) moves.push({ batchId: entry.batchId, from: undefined, to: before.status });

    let state = before;
    for (const { seq, event } of entry.decisions) {
      state =
        seq <= state.last_seq
          ? mergeLateEvent(state, event)
          : (reduceItem(state, event, seq) ?? state);
    }
    if (state === before) continue;
    changed.push({ id, ...state });
    moves.push({ batchId: entry.batchId, from: before.status, to: state.status });
  }
  await writeItems(trx, changed);
  return moves;
}

async function insertNewItems(
  trx: Trx,
  ids: string[],
  touched: Map<string, TouchedItem>,
): Promise<Set<string>> {
  const rows = ids.map((id) => {
    const entry = touched.get(id)!;
    const item = entry.added;
    return {
      id,
      batch_id: entry.batchId,
      idx: item?.index ?? null,
      row_number: item?.row ?? null,
      order_url: item?.orderUrl ?? null,
      amount: item?.amount ?? null,
      extra: item?.extra ?? {},
    };
  });
  const result = await sql<{ id: string }>`
    INSERT INTO items (id, batch_id, idx, row_number, order_url, amount, extra)
    SELECT id, batch_id, idx, row_number, order_url, amount, extra
    FROM jsonb_to_recordset(${json(rows)}) AS x(id text, batch_id text, idx int,
      row_number int, order_url text, amount text, extra jsonb)
    ORDER BY id
    ON CONFLICT (id) DO NOTHING
    RETURNING id`.execute(trx);
  return new Set(result.rows.map((row) => row.id));
}

interface LockedItem {
  state: ItemState;
  imported: boolean;
}

async function lockItems(trx: Trx, ids: string[]): Promise<Map<string, LockedItem>> {
  const locked = new Map<string, LockedItem>();
  if (ids.length === 0) return locked;
  const result = await sql<ItemState & { id: string; idx: number | null; last_seq: string }>`
    SELECT id, idx, status, attempts, order_number, final_order_url, failure_reason, error_code,
      next_attempt_at, updated_by, started_at, finished_at, updated_at, last_seq
    FROM items WHERE id = ANY(${ids}::text[]) ORDER BY id FOR UPDATE`.execute(trx);
  for (const row of result.rows) {
    const { id, idx, ...rest } = row;
    locked.set(id, {
      state: { ...rest, ...isoDates(rest), last_seq: Number(row.last_seq) },
      imported: idx !== null,
    });
  }
  return locked;
}

/** Converts the Date columns that `pg` returns into ISO strings, as events carry them. */
function isoDates(row: Record<string, unknown>): Record<string, string | null> {
  const converted: Record<string, string | null> = {};
  for (const [key, value] of Object.entries(row)) {
    if (value instanceof Date) converted[key] = value.toISOString();
  }
  return converted;
}

/** Fills link, amount and row of items that a decision created before `batch.items_added`. */
async function fillImportedFields(
  trx: Trx,
  ids: string[],
  states: Map<string, LockedItem>,
  touched: Map<string, TouchedItem>,
): Promise<void> {
  const rows = ids.flatMap((id) => {
    const item = touched.get(id)?.added;
    if (!item || states.get(id)?.imported !== false) return [];
    return [
      {
        id,
        idx: item.index,
        row_number: item.row,
        order_url: item.orderUrl,
        amount: item.amount,
        extra: item.extra,
      },
    ];
  });
  if (rows.length === 0) return;
  await sql`
    UPDATE items SET idx = x.idx, row_number = x.row_number, order_url = x.order_url,
      amount = x.amount, extra = x.extra
    FROM jsonb_to_recordset(${json(rows)}) AS x(id text, idx int, row_number int,
      order_url text, amount text, extra jsonb)
    WHERE items.id = x.id AND items.id = ANY(${rows.map((row) => row.id)}::text[])`.execute(trx);
}

async function writeItems(trx: Trx, rows: Array<ItemState & { id: string }>): Promise<void> {
  if (rows.length === 0) return;
  await sql`
    UPDATE items SET status = x.status, attempts = x.attempts, order_number = x.order_number,
      final_order_url = x.final_order_url, failure_reason = x.failure_reason,
      error_code = x.error_code, next_attempt_at = x.next_attempt_at, updated_by = x.updated_by,
      started_at = x.started_at, finished_at = x.finished_at, updated_at = x.updated_at,
      last_seq = x.last_seq
    FROM jsonb_to_recordset(${json(rows)}) AS x(id text, status text, attempts int,
      order_number text, final_order_url text, failure_reason text, error_code text,
      next_attempt_at timestamptz, updated_by text, started_at timestamptz,
      finished_at timestamptz, updated_at timestamptz, last_seq bigint)
    WHERE items.id = x.id AND items.id = ANY(${rows.map((row) => row.id)}::text[])`.execute(trx);
}

async function applyAttemptEvents(trx: Trx, events: StreamEvent[]): Promise<void> {
  const patches = new Map<string, AttemptPatch>();
  for (const { seq, event } of events) {
    const attempt = attemptOf(event);
    if (attempt === undefined || !event.itemId) continue;
    const key = `${event.itemId}\u0000${attempt}`;
    let patch = patches.get(key);
    if (!patch) {
      patch = { item_id: event.itemId, attempt, batch_id: event.batchId, outcome_seq: 0 };
      patches.set(key, patch);
    }
    mergeAttemptEvent(patch, event, seq);
  }
  if (patches.size === 0) return;
  const rows = [...patches.values()].sort(compareAttemptKeys);
  await upsertAttempts(trx, rows);
}

/** Orders attempt rows by item id, then attempt, which is the order rows are locked in. */
function compareAttemptKeys(a: AttemptPatch, b: AttemptPatch): number {
  if (a.item_id !== b.item_id) return a.item_id < b.item_id ? -1 : 1;
  return a.attempt - b.attempt;
}

const OUTCOME_COLUMNS = [
  'outcome',
  'error_code',
  'message',
  'retryable',
  'step',
  'details',
  'order_number',
  'final_order_url',
  'timings',
  'artifacts',
  'finished_at',
];

const PLAIN_COLUMNS = [
  'worker_id',
  'recipe',
  'effect_step',
  'verify_first',
  'dispatched_at',
  'started_at',
];

async function upsertAttempts(trx: Trx, rows: AttemptPatch[]): Promise<void> {
  const keepNewerOutcome = OUTCOME_COLUMNS.map(
    (column) =>
      sql`${sql.ref(column)} = CASE WHEN excluded.outcome_seq > attempts.outcome_seq
        THEN excluded.${sql.ref(column)} ELSE attempts.${sql.ref(column)} END`,
  );
  const keepKnown = PLAIN_COLUMNS.map(
    (column) =>
      sql`${sql.ref(column)} = coalesce(excluded.${sql.ref(column)}, attempts.${sql.ref(column)})`,
  );
  await sql`
    INSERT INTO attempts (item_id, attempt, batch_id, worker_id, recipe, effect_step,
      verify_first, dispatched_at, started_at, outcome, error_code, message, retryable, step,
      details, order_number, final_order_url, timings, artifacts, finished_at, outcome_seq)
    SELECT item_id, attempt, batch_id, worker_id, recipe, effect_step, verify_first,
      dispatched_at, started_at, outcome, error_code, message, retryable, step, details,
      order_number, final_order_url, timings, artifacts, finished_at, outcome_seq
    FROM jsonb_to_recordset(${json(rows)}) AS x(item_id text, attempt int, batch_id text,
      worker_id text, recipe text, effect_step text, verify_first boolean,
      dispatched_at timestamptz, started_at timestamptz, outcome text, error_code text,
      message text, retryable boolean, step text, details jsonb, order_number text,
      final_order_url text, timings jsonb, artifacts jsonb, finished_at timestamptz,
      outcome_seq bigint)
    ON CONFLICT (item_id, attempt) DO UPDATE SET
      ${sql.join([...keepKnown, ...keepNewerOutcome])},
      outcome_seq = greatest(excluded.outcome_seq, attempts.outcome_seq)`.execute(trx);
}

async function applyBatchEvents(
  trx: Trx,
  events: StreamEvent[],
  moves: StatusMove[],
  feedIds: Map<number, number>,
): Promise<string[]> {
  const ids = [...new Set(events.map(({ event }) => event.batchId))].sort();
  await sql`
    INSERT INTO batches (id) SELECT unnest(${ids}::text[]) AS id ORDER BY id
    ON CONFLICT (id) DO NOTHING`.execute(trx);
  const states = await lockBatches(trx, ids);

  for (const { seq, event } of events) {
    const state = states.get(event.batchId);
    if (!state) continue;
    reduceBatch(state, event, seq);
    state.last_feed_id = Math.max(state.last_feed_id, feedIds.get(seq) ?? 0);
  }
  for (const move of moves) {
    const state = states.get(move.batchId);
    if (state) moveCount(state, move.from, move.to);
  }
  for (const state of states.values()) updateVisibility(state);
  await writeBatches(trx, [...states.values()]);
  return ids;
}

async function lockBatches(trx: Trx, ids: string[]): Promise<Map<string, BatchState>> {
  const result = await sql<BatchState>`
    SELECT * FROM batches WHERE id = ANY(${ids}::text[]) ORDER BY id FOR UPDATE`.execute(trx);
  const states = new Map<string, BatchState>();
  for (const row of result.rows) {
    states.set(row.id, {
      ...row,
      ...isoDates(row as unknown as Record<string, unknown>),
      created_seq: row.created_seq === null ? null : Number(row.created_seq),
      last_seq: Number(row.last_seq),
      last_event_seq: Number(row.last_event_seq),
      last_feed_id: Number(row.last_feed_id),
    });
  }
  return states;
}

async function writeBatches(trx: Trx, rows: BatchState[]): Promise<void> {
  await sql`
    UPDATE batches SET name = x.name, description = x.description, status = x.status,
      paused = x.paused, cancel_requested = x.cancel_requested, created_seq = x.created_seq,
      visible = x.visible,
      item_count = x.item_count, pending_count = x.pending_count,
      processing_count = x.processing_count, success_count = x.success_count,
      failed_count = x.failed_count, skipped_count = x.skipped_count, columns = x.columns,
      source = x.source, skipped_rows = x.skipped_rows, skipped_row_count = x.skipped_row_count,
      max_concurrency = x.max_concurrency, idempotency_key = x.idempotency_key,
      requested_by = x.requested_by, created_at = x.created_at, started_at = x.started_at,
      finished_at = x.finished_at, updated_at = x.updated_at, last_seq = x.last_seq,
      last_event_seq = x.last_event_seq, last_feed_id = x.last_feed_id,
      version = batches.version + 1
    FROM jsonb_to_recordset(${json(rows)}) AS x(id text, name text, description text,
      status text, paused boolean, cancel_requested boolean, created_seq bigint, visible boolean,
      item_count int, pending_count int, processing_count int, success_count int,
      failed_count int, skipped_count int, columns jsonb, source jsonb, skipped_rows jsonb,
      skipped_row_count int, max_concurrency int, idempotency_key text, requested_by text,
      created_at timestamptz, started_at timestamptz, finished_at timestamptz,
      updated_at timestamptz, last_seq bigint, last_event_seq bigint, last_feed_id bigint)
    WHERE batches.id = x.id AND batches.id = ANY(${rows.map((row) => row.id)}::text[])`.execute(
    trx,
  );
}

async function notify(trx: Kysely<Database>, batchIds: string[], maxSeq: number): Promise<void> {
  const payload = JSON.stringify({
    seq: maxSeq,
    batches: batchIds.length > MAX_NOTIFIED_BATCHES ? null : batchIds,
  });
  await sql`SELECT pg_notify(${PROJECTION_CHANNEL}, ${payload})`.execute(trx);
}
