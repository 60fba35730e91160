import type { ColumnType, Generated, Insertable, Selectable } from 'kysely';

type Timestamp = ColumnType<Date, Date | string, Date | string>;

/** Postgres returns `bigint` columns as strings through `pg`; stream sequences fit in a number. */
type Sequence = ColumnType<string, number | bigint | string, number | bigint | string>;

/** One batch; hidden from the REST interface until `batch.created` is projected. */
export interface BatchesTable {
  id: string;
  name: string | null;
  description: string | null;
  status: Generated<string>;
  paused: Generated<boolean>;
  cancel_requested: Generated<boolean>;
  /** Stream sequence of `batch.created`; null while the batch is still being imported. */
  created_seq: Sequence | null;
  /** True once `batch.created` and every item it announced are projected. */
  visible: Generated<boolean>;
  item_count: Generated<number>;
  pending_count: Generated<number>;
  processing_count: Generated<number>;
  success_count: Generated<number>;
  failed_count: Generated<number>;
  skipped_count: Generated<number>;
  columns: Generated<string[]>;
  source: Record<string, unknown> | null;
  skipped_rows: Generated<unknown[]>;
  skipped_row_count: Generated<number>;
  max_concurrency: number | null;
  idempotency_key: string | null;
  requested_by: string | null;
  created_at: Timestamp | null;
  started_at: Timestamp | null;
  finished_at: Timestamp | null;
  updated_at: Timestamp | null;
  /** Stream sequence of the last event that changed status, paused or cancel_requested. */
  last_seq: Generated<Sequence>;
  /** Highest stream sequence of any event of this batch that was projected. */
  last_event_seq: Generated<Sequence>;
  /**
   * Number of projector writes to this row. Unlike `last_event_seq` it changes on every write,
   * also when several projectors commit events out of stream order.
   */
  version: Generated<Sequence>;
  /** Highest `event_log.feed_id` of this batch: where its live event stream continues. */
  last_feed_id: Generated<Sequence>;
}

/** One item; `last_seq` guards the fields that scheduler decisions and hand updates set. */
export interface ItemsTable {
  id: string;
  batch_id: string;
  idx: number | null;
  row_number: number | null;
  order_url: string | null;
  amount: string | null;
  extra: Generated<Record<string, string>>;
  status: Generated<string>;
  attempts: Generated<number>;
  order_number: string | null;
  final_order_url: string | null;
  failure_reason: string | null;
  error_code: string | null;
  next_attempt_at: Timestamp | null;
  updated_by: string | null;
  started_at: Timestamp | null;
  finished_at: Timestamp | null;
  updated_at: Timestamp | null;
  last_seq: Generated<Sequence>;
}

/** One attempt at one item, from the dispatch and the worker's events. */
export interface AttemptsTable {
  item_id: string;
  attempt: number;
  batch_id: string;
  worker_id: string | null;
  recipe: string | null;
  effect_step: string | null;
  verify_first: boolean | null;
  /** `succeeded`, `failed` or `timed_out`; null while the attempt runs. */
  outcome: string | null;
  error_code: string | null;
  message: string | null;
  retryable: boolean | null;
  step: string | null;
  details: Record<string, unknown> | null;
  order_number: string | null;
  final_order_url: string | null;
  timings: Record<string, unknown> | null;
  artifacts: Record<string, string> | null;
  dispatched_at: Timestamp | null;
  started_at: Timestamp | null;
  finished_at: Timestamp | null;
  /** Stream sequence of the event that set the outcome; a newer outcome replaces an older one. */
  outcome_seq: Generated<Sequence>;
}

/** Every projected event in stream order: deduplication, command outcomes and the SSE feed. */
export interface EventLogTable {
  seq: Sequence;
  event_id: string;
  batch_id: string;
  item_id: string | null;
  type: string;
  attempt: number | null;
  causation_id: string | null;
  time: Timestamp;
  /** The event data, trimmed of item lists so that a row stays small. */
  data: Record<string, unknown>;
  /**
   * Position in commit order. Projector transactions take one advisory lock, so ids are
   * assigned in the order transactions commit, unlike `seq` when replicas race.
   */
  feed_id: ColumnType<string, never, never>;
}

/** Idempotency keys the gateway accepted, with a hash of the request they came with. */
export interface IdempotencyKeysTable {
  key_id: string;
  request_hash: string;
  batch_id: string;
  created_at: Generated<Timestamp>;
}

/** Table types of the read model, for Kysely. */
export interface Database {
  batches: BatchesTable;
  items: ItemsTable;
  attempts: AttemptsTable;
  event_log: EventLogTable;
  idempotency_keys: IdempotencyKeysTable;
}

export type BatchRow = Selectable<BatchesTable>;
export type ItemRow = Selectable<ItemsTable>;
export type AttemptRow = Selectable<AttemptsTable>;
export type EventLogRow = Selectable<EventLogTable>;
export type NewEventLogRow = Insertable<EventLogTable>;
