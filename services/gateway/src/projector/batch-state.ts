import type { OrderflowEvent } from '@orderflow/contracts';

/** The columns of a batch row that the projector computes. */
export interface BatchState {
  id: string;
  name: string | null;
  description: string | null;
  status: string;
  paused: boolean;
  cancel_requested: boolean;
  created_seq: number | null;
  visible: boolean;
  item_count: number;
  pending_count: number;
  processing_count: number;
  success_count: number;
  failed_count: number;
  skipped_count: number;
  columns: string[];
  source: Record<string, unknown> | null;
  skipped_rows: unknown[];
  skipped_row_count: number;
  max_concurrency: number | null;
  idempotency_key: string | null;
  requested_by: string | null;
  created_at: string | null;
  started_at: string | null;
  finished_at: string | null;
  updated_at: string | null;
  last_seq: number;
  last_event_seq: number;
  last_feed_id: number;
}

/** Column holding the count of items in each status. */
export const COUNT_COLUMN = {
  pending: 'pending_count',
  processing: 'processing_count',
  success: 'success_count',
  failed: 'failed_count',
  skipped: 'skipped_count',
} as const satisfies Record<string, keyof BatchState>;

/** Moves one item from one status count to another; `from` undefined adds a new item. */
export function moveCount(state: BatchState, from: string | undefined, to: string): void {
  if (from === to) return;
  const fromColumn =
    from === undefined ? undefined : COUNT_COLUMN[from as keyof typeof COUNT_COLUMN];
  const toColumn = COUNT_COLUMN[to as keyof typeof COUNT_COLUMN];
  if (fromColumn) state[fromColumn] -= 1;
  if (toColumn) state[toColumn] += 1;
}

/**
 * Shows a batch once `batch.created` and every item it announced are projected. The importer
 * publishes the item chunks first, but with several projectors a later chunk can commit after
 * the created event, and a client must never see half a batch.
 */
export function updateVisibility(state: BatchState): void {
  const projectedItems =
    state.pending_count +
    state.processing_count +
    state.success_count +
    state.failed_count +
    state.skipped_count;
  state.visible = state.created_seq !== null && projectedItems >= state.item_count;
}

/**
 * Applies one batch event to a batch state in place. Descriptive fields of `batch.created` are
 * set once whatever the order; status, paused and cancel_requested change only for events newer
 * than `last_seq`.
 */
export function reduceBatch(state: BatchState, event: OrderflowEvent, seq: number): void {
  state.last_event_seq = Math.max(state.last_event_seq, seq);
  if (state.updated_at === null || event.time > state.updated_at) state.updated_at = event.time;

  if (event.type === 'batch.created') {
    applyCreated(state, event, seq);
    return;
  }
  if (seq <= state.last_seq) return;

  switch (event.type) {
    case 'batch.started':
      Object.assign(state, { status: 'processing', paused: false, last_seq: seq });
      state.started_at ??= event.time;
      state.max_concurrency = event.data.maxConcurrency;
      break;
    case 'batch.paused':
      Object.assign(state, { paused: true, last_seq: seq });
      break;
    case 'batch.resumed':
      Object.assign(state, { paused: false, last_seq: seq });
      break;
    case 'batch.cancel_requested':
      Object.assign(state, { cancel_requested: true, last_seq: seq });
      break;
    case 'batch.retry_requested':
      if (event.data.requeuedCount === 0) break;
      Object.assign(state, { status: 'processing', finished_at: null, last_seq: seq });
      break;
    case 'batch.finished':
      Object.assign(state, {
        status: event.data.status,
        paused: false,
        finished_at: event.time,
        last_seq: seq,
      });
      break;
    default:
      break;
  }
}

function applyCreated(state: BatchState, event: OrderflowEvent<'batch.created'>, seq: number) {
  if (state.created_seq !== null) return;
  const { data } = event;
  Object.assign(state, {
    created_seq: seq,
    name: data.name,
    description: data.description ?? null,
    item_count: data.itemCount,
    columns: data.columns,
    source: data.source,
    skipped_rows: data.skippedRows,
    skipped_row_count: data.skippedCount,
    max_concurrency: state.max_concurrency ?? data.maxConcurrency ?? null,
    idempotency_key: data.idempotencyKey ?? null,
    requested_by: data.requestedBy ?? null,
    created_at: event.time,
  });
}
