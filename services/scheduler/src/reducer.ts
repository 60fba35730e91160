import type { OrderflowEvent } from '@orderflow/contracts';
import {
  addItem,
  type BatchState,
  createBatchState,
  hostOf,
  type ItemState,
  type SchedulerState,
  setInFlight,
  setItemStatus,
  setOutcome,
} from './state';

/** Event types that respond to a scheduler command; their `causationId` is the command id. */
const COMMAND_ANSWERS = new Set([
  'batch.started',
  'batch.paused',
  'batch.resumed',
  'batch.cancel_requested',
  'batch.retry_requested',
  'batch.command_rejected',
]);

/**
 * Applies one event at stream sequence `seq` to the state. Events that do not fit the state (a
 * late result of an old attempt, an item of an unknown batch) change nothing, so replaying the
 * stream from the start always rebuilds the same state.
 */
export function applyEvent(state: SchedulerState, event: OrderflowEvent, seq: number): void {
  state.lastSeq = seq;
  if (event.source === 'scheduler' && event.causationId && COMMAND_ANSWERS.has(event.type)) {
    state.answeredCommands.add(event.causationId);
  }
  if (event.type.startsWith('batch.')) applyBatchEvent(state, event, seq);
  else applyItemEvent(state, event, seq);
}

function batchOf(state: SchedulerState, batchId: string): BatchState {
  let batch = state.batches.get(batchId);
  if (!batch) {
    batch = createBatchState(batchId);
    state.batches.set(batchId, batch);
  }
  return batch;
}

function applyBatchEvent(state: SchedulerState, event: OrderflowEvent, seq: number): void {
  const batch = batchOf(state, event.batchId);
  switch (event.type) {
    case 'batch.items_added':
      for (const imported of event.data.items) {
        if (batch.items.has(imported.itemId)) continue;
        addItem(batch, {
          itemId: imported.itemId,
          batchId: batch.batchId,
          index: imported.index,
          orderUrl: imported.orderUrl,
          amount: imported.amount,
          host: hostOf(imported.orderUrl),
          status: 'pending',
          attempt: 0,
          budgetBase: 0,
          inFlight: false,
          verifyFirst: false,
          effectStarted: false,
        });
      }
      break;
    case 'batch.created':
      batch.created = true;
      batch.itemCount = event.data.itemCount;
      batch.maxConcurrency = event.data.maxConcurrency;
      break;
    case 'batch.import_rejected':
      batch.rejected = true;
      break;
    case 'batch.started':
      batch.status = 'processing';
      batch.roundSeq = seq;
      break;
    case 'batch.paused':
      batch.paused = true;
      break;
    case 'batch.resumed':
      batch.paused = false;
      break;
    case 'batch.cancel_requested':
      batch.cancelling = true;
      batch.cancelSeq = seq;
      break;
    case 'batch.retry_requested':
      batch.status = 'processing';
      batch.cancelling = false;
      batch.paused = false;
      batch.roundSeq = seq;
      break;
    case 'batch.finished':
      batch.status = event.data.status;
      batch.cancelling = false;
      batch.paused = false;
      break;
    default:
      break;
  }
}

function applyItemEvent(state: SchedulerState, event: OrderflowEvent, seq: number): void {
  const batch = state.batches.get(event.batchId);
  const item = event.itemId ? batch?.items.get(event.itemId) : undefined;
  if (!batch || !item) return;

  switch (event.type) {
    case 'item.dispatched':
      if (event.data.attempt <= item.attempt) return;
      setItemStatus(state, batch, item, 'processing');
      setOutcome(state, batch, item, undefined);
      item.attempt = event.data.attempt;
      item.dispatchedAtMs = Date.parse(event.time);
      item.verifyFirst = event.data.verifyFirst;
      item.startedAtMs = undefined;
      setInFlight(state, batch, item, true);
      batch.lastDispatchSeq = seq;
      break;
    case 'item.attempt_started':
      if (isCurrentInFlight(item, event.data.attempt)) item.startedAtMs = Date.parse(event.time);
      break;
    case 'item.effect_started':
      item.effectStarted = true;
      break;
    case 'item.attempt_succeeded':
      if (!isCurrentInFlight(item, event.data.attempt)) return;
      setInFlight(state, batch, item, false);
      setOutcome(state, batch, item, {
        kind: 'succeeded',
        orderNumber: event.data.orderNumber,
        finalOrderUrl: event.data.finalOrderUrl,
      });
      break;
    case 'item.attempt_failed':
      if (!isCurrentInFlight(item, event.data.attempt)) return;
      setInFlight(state, batch, item, false);
      setOutcome(state, batch, item, {
        kind: 'failed',
        code: event.data.code,
        message: event.data.message,
        retryable: event.data.retryable,
        ...(event.data.artifacts ? { artifacts: event.data.artifacts } : {}),
      });
      break;
    case 'item.attempt_timed_out':
      if (!isCurrentInFlight(item, event.data.attempt)) return;
      setInFlight(state, batch, item, false);
      setOutcome(state, batch, item, {
        kind: 'failed',
        code: 'ATTEMPT_TIMED_OUT',
        message: `attempt ${event.data.attempt} had no outcome within ${event.data.timeoutMs} ms`,
        retryable: true,
      });
      break;
    default:
      applyItemDecision(state, batch, item, event);
  }
}

function isCurrentInFlight(item: ItemState, attempt: number): boolean {
  return item.inFlight && attempt === item.attempt;
}

/** Applies the scheduler's decisions and hand edits, which end or reset an attempt. */
function applyItemDecision(
  state: SchedulerState,
  batch: BatchState,
  item: ItemState,
  event: OrderflowEvent,
): void {
  switch (event.type) {
    case 'item.retry_scheduled':
      if (event.data.attempt !== item.attempt || item.status !== 'processing') return;
      settle(state, batch, item, 'pending');
      item.notBeforeMs = Date.parse(event.data.notBefore);
      state.retryWaiting.add(item);
      break;
    case 'item.succeeded':
      settle(state, batch, item, 'success');
      item.effectStarted = false;
      break;
    case 'item.failed':
      settle(state, batch, item, 'failed');
      break;
    case 'item.skipped':
      settle(state, batch, item, 'skipped');
      break;
    case 'item.requeued':
      if (item.status !== 'failed') return;
      settle(state, batch, item, 'pending');
      item.budgetBase = item.attempt;
      break;
    case 'item.updated_by_hand':
      applyHandUpdate(state, batch, item, event.data.status);
      break;
    default:
      break;
  }
}

/** Ends the current attempt, whatever its outcome, and sets the item's status. */
function settle(
  state: SchedulerState,
  batch: BatchState,
  item: ItemState,
  status: ItemState['status'],
): void {
  setInFlight(state, batch, item, false);
  setOutcome(state, batch, item, undefined);
  if (item.status !== status) setItemStatus(state, batch, item, status);
}

/**
 * Applies a status a person set. A terminal status ends the item, and a result of its running
 * attempt is ignored from then on. Pending puts it back to work with a fresh retry budget and
 * clears the verify-first mark, because a person has checked the order. Processing cannot be
 * set by hand in any useful way, so it changes nothing here.
 */
function applyHandUpdate(
  state: SchedulerState,
  batch: BatchState,
  item: ItemState,
  status: ItemState['status'],
): void {
  if (status === 'processing') return;
  settle(state, batch, item, status);
  if (status === 'pending') {
    item.budgetBase = item.attempt;
    item.effectStarted = false;
  }
}
