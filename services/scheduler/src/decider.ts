import { retryDelayMs } from './backoff';
import { type DeciderSettings, type Decision, type DecisionRound, decisionEvent } from './decision';
import { planDispatches } from './dispatch-planner';
import {
  allItemsTerminal,
  attemptsInBudget,
  type BatchState,
  type ItemState,
  type SchedulerState,
} from './state';

/**
 * Decides everything that is due at `nowMs`: outcomes to settle, attempts that timed out,
 * items to skip for a cancel, batches that finished, and new dispatches within every limit.
 * It is pure because it only reads the state. The state changes when the published events
 * come back through the stream.
 */
export function decide(
  state: SchedulerState,
  nowMs: number,
  settings: DeciderSettings,
): DecisionRound {
  const decisions: Decision[] = [];
  for (const item of state.undecided) {
    const batch = state.batches.get(item.batchId);
    if (batch) decisions.push(settleOutcome(batch, item, nowMs, settings));
  }
  const timeouts = decideTimeouts(state, nowMs, settings);
  decisions.push(...timeouts.decisions);
  for (const batch of state.batches.values()) {
    if (batch.cancelling) decisions.push(...decideCancel(batch, nowMs));
    const finished = decideFinish(batch, nowMs);
    if (finished) decisions.push(finished);
  }
  decisions.push(...planDispatches(state, nowMs, settings));

  const nextWakeAtMs = minDefined(timeouts.nextWakeAtMs, nextRetryAtMs(state, nowMs));
  return nextWakeAtMs === undefined ? { decisions } : { decisions, nextWakeAtMs };
}

/** Turns the outcome of an item's current attempt into success, a retry or a failure. */
function settleOutcome(
  batch: BatchState,
  item: ItemState,
  nowMs: number,
  settings: DeciderSettings,
): Decision {
  const outcome = item.outcome!;
  const scope = { batchId: item.batchId, itemId: item.itemId, attempt: item.attempt };
  if (outcome.kind === 'succeeded') {
    const event = decisionEvent('item.succeeded', scope, `succeeded:${item.attempt}`, nowMs, {
      attempt: item.attempt,
      orderNumber: outcome.orderNumber,
      finalOrderUrl: outcome.finalOrderUrl,
    });
    return { event };
  }
  if (batch.cancelling) {
    const reason = `batch cancelled; attempt ${item.attempt} ended with ${outcome.code}`;
    const idName = `skipped:${item.attempt}:${batch.cancelSeq}`;
    return { event: decisionEvent('item.skipped', scope, idName, nowMs, { reason }) };
  }
  const retry = attemptsInBudget(item);
  if (outcome.retryable && retry <= settings.retryLimit) {
    const delayMs = retryDelayMs(retry, settings.backoff, `${item.itemId}:${item.attempt}`);
    const event = decisionEvent('item.retry_scheduled', scope, `retry:${item.attempt}`, nowMs, {
      attempt: item.attempt,
      nextAttempt: item.attempt + 1,
      notBefore: new Date(nowMs + delayMs).toISOString(),
      delayMs,
      code: outcome.code,
    });
    return { event };
  }
  const event = decisionEvent('item.failed', scope, `failed:${item.attempt}`, nowMs, {
    attempt: item.attempt,
    code: outcome.code,
    message: outcome.message,
    ...(outcome.artifacts ? { artifacts: outcome.artifacts } : {}),
  });
  return { event };
}

/** Declares started attempts timed out once the timeout and the grace period have passed. */
function decideTimeouts(
  state: SchedulerState,
  nowMs: number,
  settings: DeciderSettings,
): DecisionRound {
  const decisions: Decision[] = [];
  let nextWakeAtMs: number | undefined;
  const allowedMs = settings.attemptTimeoutMs + settings.timeoutGraceMs;
  for (const item of state.inFlight) {
    if (item.startedAtMs === undefined) continue;
    const deadlineMs = item.startedAtMs + allowedMs;
    if (deadlineMs > nowMs) {
      nextWakeAtMs = minDefined(nextWakeAtMs, deadlineMs);
      continue;
    }
    const scope = { batchId: item.batchId, itemId: item.itemId, attempt: item.attempt };
    const event = decisionEvent(
      'item.attempt_timed_out',
      scope,
      `timed_out:${item.attempt}`,
      nowMs,
      { attempt: item.attempt, timeoutMs: settings.attemptTimeoutMs },
    );
    decisions.push({ event, withdraw: scope });
  }
  return nextWakeAtMs === undefined ? { decisions } : { decisions, nextWakeAtMs };
}

/**
 * Skips what a cancel leaves undone: pending items, and dispatched attempts that no worker has
 * started, whose queued work message is withdrawn. Workers stop started attempts when they see
 * the cancel event, and those attempts settle through their outcome or the timeout.
 */
function decideCancel(batch: BatchState, nowMs: number): Decision[] {
  const decisions: Decision[] = [];
  for (const queue of batch.pendingByHost.values()) {
    for (const item of queue) {
      decisions.push({ event: skipEvent(batch, item, nowMs, 'batch cancelled before dispatch') });
    }
  }
  for (const item of batch.items.values()) {
    if (!item.inFlight || item.startedAtMs !== undefined) continue;
    const event = skipEvent(batch, item, nowMs, 'batch cancelled before a worker started it');
    decisions.push({
      event,
      withdraw: { batchId: batch.batchId, itemId: item.itemId, attempt: item.attempt },
    });
  }
  return decisions;
}

function skipEvent(batch: BatchState, item: ItemState, nowMs: number, reason: string) {
  const scope = { batchId: batch.batchId, itemId: item.itemId, attempt: item.attempt };
  const idName = `skipped:${item.attempt}:${batch.cancelSeq}`;
  return decisionEvent('item.skipped', scope, idName, nowMs, { reason });
}

/**
 * Finishes a batch whose items are all terminal: `cancelled` after a cancel, otherwise
 * `completed` when at least one item succeeded and `failed` when none did.
 */
function decideFinish(batch: BatchState, nowMs: number): Decision | undefined {
  const running = batch.status === 'processing' || (batch.status === 'pending' && batch.cancelling);
  if (!batch.created || !running) return undefined;
  if (batch.inFlight > 0 || batch.undecided > 0 || !allItemsTerminal(batch)) return undefined;

  let status: 'completed' | 'failed' | 'cancelled' = 'failed';
  if (batch.cancelling) status = 'cancelled';
  else if (batch.counts.success > 0) status = 'completed';
  const scope = { batchId: batch.batchId };
  const event = decisionEvent('batch.finished', scope, `finished:${batch.roundSeq}`, nowMs, {
    status,
    succeeded: batch.counts.success,
    failed: batch.counts.failed,
    skipped: batch.counts.skipped,
  });
  return { event };
}

function nextRetryAtMs(state: SchedulerState, nowMs: number): number | undefined {
  let next: number | undefined;
  for (const item of state.retryWaiting) {
    if (item.notBeforeMs !== undefined && item.notBeforeMs > nowMs) {
      next = minDefined(next, item.notBeforeMs);
    }
  }
  return next;
}

function minDefined(a: number | undefined, b: number | undefined): number | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return Math.min(a, b);
}
