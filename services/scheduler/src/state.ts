import type { Artifacts, BatchStatus, ErrorCode, ItemStatus } from '@orderflow/contracts';

/** Outcome of an item's current attempt that the scheduler has not decided on yet. */
export type AttemptOutcome =
  | { kind: 'succeeded'; orderNumber: string; finalOrderUrl: string }
  | {
      kind: 'failed';
      code: ErrorCode;
      message: string;
      retryable: boolean;
      artifacts?: Artifacts;
    };

/** State of one item, rebuilt from events. */
export interface ItemState {
  itemId: string;
  batchId: string;
  /** 0-based position in the batch; dispatch follows it. */
  index: number;
  orderUrl: string;
  amount: string;
  /** Lower-case host name of the order link; the per-host limit counts by it. */
  host: string;
  status: ItemStatus;
  /** Number of the latest dispatched attempt; 0 before the first dispatch. */
  attempt: number;
  /** Attempt number the current retry budget counts from; a requeue resets it. */
  budgetBase: number;
  /** Dispatched, and no outcome yet for that attempt. */
  inFlight: boolean;
  dispatchedAtMs?: number;
  /** `verifyFirst` of the current attempt's work message. */
  verifyFirst: boolean;
  /** Time of `item.attempt_started` for the current attempt. */
  startedAtMs?: number;
  /** Outcome of the current attempt, set until the scheduler's decision arrives. */
  outcome?: AttemptOutcome;
  /** Earliest time of the next attempt after `item.retry_scheduled`. */
  notBeforeMs?: number;
  /**
   * Some attempt published `item.effect_started` and did not succeed, so later attempts must
   * verify first. Only a person (`item.updated_by_hand` to pending) clears it.
   */
  effectStarted: boolean;
}

/** State of one batch, rebuilt from events. */
export interface BatchState {
  batchId: string;
  /** `batch.created` was seen; commands and dispatch wait for it. */
  created: boolean;
  /** `batch.import_rejected` was seen; the batch never exists. */
  rejected: boolean;
  status: BatchStatus;
  paused: boolean;
  /** `batch.cancel_requested` was seen and the batch has not finished since. */
  cancelling: boolean;
  /** Stream sequence of the latest cancel request; part of the ids of skip decisions. */
  cancelSeq: number;
  /** Stream sequence of the latest start or retry request; part of the finish decision id. */
  roundSeq: number;
  itemCount: number;
  /** Per-batch limit from `batch.created`, if the batch overrides the default. */
  maxConcurrency?: number;
  items: Map<string, ItemState>;
  /** Pending items by host, in the order they became pending. */
  pendingByHost: Map<string, Set<ItemState>>;
  counts: Record<ItemStatus, number>;
  inFlight: number;
  /** Items with an outcome that the scheduler has not decided on yet. */
  undecided: number;
  /** Stream sequence of the latest `item.dispatched`; fair sharing prefers older values. */
  lastDispatchSeq: number;
}

/** The whole scheduler state: a pure function of the events applied so far. */
export interface SchedulerState {
  batches: Map<string, BatchState>;
  /** Items with an attempt in flight, across all batches. */
  inFlight: Set<ItemState>;
  inFlightByHost: Map<string, number>;
  /** Items whose current attempt has an outcome awaiting a decision. */
  undecided: Set<ItemState>;
  /** Pending items waiting for `notBeforeMs`. */
  retryWaiting: Set<ItemState>;
  /** Ids of commands that already have a response in the event stream. */
  answeredCommands: Set<string>;
  /** Stream sequence of the last event applied. */
  lastSeq: number;
}

/** Creates the state before any event. */
export function createState(): SchedulerState {
  return {
    batches: new Map(),
    inFlight: new Set(),
    inFlightByHost: new Map(),
    undecided: new Set(),
    retryWaiting: new Set(),
    answeredCommands: new Set(),
    lastSeq: 0,
  };
}

/** Creates an empty batch entry; `batch.items_added` may arrive before `batch.created`. */
export function createBatchState(batchId: string): BatchState {
  return {
    batchId,
    created: false,
    rejected: false,
    status: 'pending',
    paused: false,
    cancelling: false,
    cancelSeq: 0,
    roundSeq: 0,
    itemCount: 0,
    items: new Map(),
    pendingByHost: new Map(),
    counts: { pending: 0, processing: 0, success: 0, failed: 0, skipped: 0 },
    inFlight: 0,
    undecided: 0,
    lastDispatchSeq: 0,
  };
}

/** Returns the lower-case host name of a link, or an empty string for an unparsable one. */
export function hostOf(orderUrl: string): string {
  try {
    return new URL(orderUrl).hostname.toLowerCase();
  } catch {
    return '';
  }
}

/** Changes an item's status and keeps the batch counts and pending sets in step. */
export function setItemStatus(
  state: SchedulerState,
  batch: BatchState,
  item: ItemState,
  status: ItemStatus,
): void {
  if (item.status === 'pending') removePending(state, batch, item);
  batch.counts[item.status] -= 1;
  item.status = status;
  batch.counts[status] += 1;
  if (status === 'pending') addPending(batch, item);
}

/** Adds a new item as pending. */
export function addItem(batch: BatchState, item: ItemState): void {
  batch.items.set(item.itemId, item);
  batch.counts[item.status] += 1;
  if (item.status === 'pending') addPending(batch, item);
}

function addPending(batch: BatchState, item: ItemState): void {
  let queue = batch.pendingByHost.get(item.host);
  if (!queue) {
    queue = new Set();
    batch.pendingByHost.set(item.host, queue);
  }
  queue.add(item);
}

function removePending(state: SchedulerState, batch: BatchState, item: ItemState): void {
  const queue = batch.pendingByHost.get(item.host);
  queue?.delete(item);
  if (queue && queue.size === 0) batch.pendingByHost.delete(item.host);
  state.retryWaiting.delete(item);
  item.notBeforeMs = undefined;
}

/** Marks an item's current attempt as in flight or settled, keeping every counter in step. */
export function setInFlight(
  state: SchedulerState,
  batch: BatchState,
  item: ItemState,
  inFlight: boolean,
): void {
  if (item.inFlight === inFlight) return;
  item.inFlight = inFlight;
  const delta = inFlight ? 1 : -1;
  batch.inFlight += delta;
  state.inFlightByHost.set(item.host, (state.inFlightByHost.get(item.host) ?? 0) + delta);
  if (inFlight) state.inFlight.add(item);
  else state.inFlight.delete(item);
}

/** Records or clears the outcome of an item's current attempt. */
export function setOutcome(
  state: SchedulerState,
  batch: BatchState,
  item: ItemState,
  outcome: AttemptOutcome | undefined,
): void {
  const had = item.outcome !== undefined;
  item.outcome = outcome;
  if (outcome && !had) {
    batch.undecided += 1;
    state.undecided.add(item);
  } else if (!outcome && had) {
    batch.undecided -= 1;
    state.undecided.delete(item);
  }
}

/** Number of attempts made since the item's retry budget was last reset. */
export function attemptsInBudget(item: ItemState): number {
  return item.attempt - item.budgetBase;
}

/** Tells whether every item of the batch has a terminal status. */
export function allItemsTerminal(batch: BatchState): boolean {
  const terminal = batch.counts.success + batch.counts.failed + batch.counts.skipped;
  return terminal === batch.items.size && batch.items.size >= batch.itemCount;
}
