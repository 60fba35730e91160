import type { OrderflowEvent } from '@orderflow/contracts';

/** The fields of an item row that scheduler decisions and hand updates change. */
export interface ItemState {
  status: string;
  attempts: number;
  order_number: string | null;
  final_order_url: string | null;
  failure_reason: string | null;
  error_code: string | null;
  next_attempt_at: string | null;
  updated_by: string | null;
  started_at: string | null;
  finished_at: string | null;
  updated_at: string | null;
  last_seq: number;
}

/** Event types that change an item row; worker events only change attempt rows. */
export const ITEM_DECISION_TYPES = new Set<string>([
  'item.dispatched',
  'item.retry_scheduled',
  'item.succeeded',
  'item.failed',
  'item.skipped',
  'item.requeued',
  'item.updated_by_hand',
]);

/** State of an item that `batch.items_added` or a stray decision has just created. */
export function newItemState(): ItemState {
  return {
    status: 'pending',
    attempts: 0,
    order_number: null,
    final_order_url: null,
    failure_reason: null,
    error_code: null,
    next_attempt_at: null,
    updated_by: null,
    started_at: null,
    finished_at: null,
    updated_at: null,
    last_seq: 0,
  };
}

/**
 * Tells whether a decision refers to an attempt older than the item's latest one, so that a
 * late outcome of an earlier attempt cannot overwrite the state of the current attempt.
 */
function isStaleAttempt(state: ItemState, attempt: number): boolean {
  return attempt >= 1 && attempt < state.attempts;
}

/**
 * Applies one decision event to an item state and returns the new state, or undefined when the
 * event does not change it. The caller has already checked that the event is newer than
 * `state.last_seq`.
 */
export function reduceItem(
  state: ItemState,
  event: OrderflowEvent,
  seq: number,
): ItemState | undefined {
  const next: ItemState = { ...state, last_seq: seq, updated_at: event.time };
  switch (event.type) {
    case 'item.dispatched':
      if (isStaleAttempt(state, event.data.attempt)) return undefined;
      return {
        ...next,
        status: 'processing',
        attempts: Math.max(state.attempts, event.data.attempt),
        started_at: state.started_at ?? event.time,
        next_attempt_at: null,
        finished_at: null,
      };
    case 'item.retry_scheduled':
      if (isStaleAttempt(state, event.data.attempt)) return undefined;
      return {
        ...next,
        status: 'pending',
        attempts: Math.max(state.attempts, event.data.attempt),
        error_code: event.data.code,
        next_attempt_at: event.data.notBefore,
      };
    case 'item.succeeded':
      if (isStaleAttempt(state, event.data.attempt)) return undefined;
      return {
        ...next,
        status: 'success',
        attempts: Math.max(state.attempts, event.data.attempt),
        order_number: event.data.orderNumber,
        final_order_url: event.data.finalOrderUrl,
        failure_reason: null,
        error_code: null,
        next_attempt_at: null,
        finished_at: event.time,
      };
    case 'item.failed':
      if (isStaleAttempt(state, event.data.attempt)) return undefined;
      return {
        ...next,
        status: 'failed',
        attempts: Math.max(state.attempts, event.data.attempt),
        error_code: event.data.code,
        failure_reason: event.data.message,
        next_attempt_at: null,
        finished_at: event.time,
      };
    case 'item.skipped':
      return {
        ...next,
        status: 'skipped',
        failure_reason: event.data.reason,
        finished_at: event.time,
      };
    case 'item.requeued':
      return {
        ...next,
        status: 'pending',
        attempts: Math.max(state.attempts, event.data.attemptsBefore),
        failure_reason: null,
        error_code: null,
        next_attempt_at: null,
        finished_at: null,
      };
    case 'item.updated_by_hand':
      return reduceHandUpdate(next, event);
    default:
      return undefined;
  }
}

function reduceHandUpdate(
  next: ItemState,
  event: OrderflowEvent<'item.updated_by_hand'>,
): ItemState {
  const { data } = event;
  const terminal =
    data.status === 'success' || data.status === 'failed' || data.status === 'skipped';
  return {
    ...next,
    status: data.status,
    order_number: data.orderNumber === undefined ? next.order_number : data.orderNumber,
    final_order_url: data.finalOrderUrl === undefined ? next.final_order_url : data.finalOrderUrl,
    failure_reason: data.failureReason === undefined ? next.failure_reason : data.failureReason,
    error_code: data.status === 'failed' ? next.error_code : null,
    updated_by: data.updatedBy,
    finished_at: terminal ? event.time : null,
  };
}

/**
 * Merges the order-independent parts of an event older than `state.last_seq`: the first
 * dispatch time and the highest attempt number. Everything else of a late event is dropped,
 * so the row ends the same whatever order redeliveries arrive in.
 */
export function mergeLateEvent(state: ItemState, event: OrderflowEvent): ItemState {
  switch (event.type) {
    case 'item.dispatched': {
      const startedAt =
        state.started_at === null || event.time < state.started_at ? event.time : state.started_at;
      const attempts = Math.max(state.attempts, event.data.attempt);
      if (startedAt === state.started_at && attempts === state.attempts) return state;
      return { ...state, started_at: startedAt, attempts };
    }
    case 'item.retry_scheduled':
    case 'item.succeeded':
    case 'item.failed':
      if (event.data.attempt <= state.attempts) return state;
      return { ...state, attempts: event.data.attempt };
    default:
      return state;
  }
}
