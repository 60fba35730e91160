import type { WorkMessage } from '@orderflow/contracts';
import { type DeciderSettings, type Decision, decisionEvent } from './decision';
import type { BatchState, ItemState, SchedulerState } from './state';

interface BatchLoad {
  batch: BatchState;
  limit: number;
  inFlight: number;
  /** Order of the batch's latest dispatch; the lower one goes first among equal loads. */
  lastDispatch: number;
}

/**
 * Plans new dispatches within the global, per-batch and per-host limits. Capacity is shared by
 * water-filling: each free slot goes to the runnable batch with the fewest attempts in flight,
 * and among equals to the one that dispatched least recently. A batch that starts later thus
 * gets an equal share at once instead of waiting behind a large one.
 */
export function planDispatches(
  state: SchedulerState,
  nowMs: number,
  settings: DeciderSettings,
): Decision[] {
  let globalFree = settings.maxGlobal - state.inFlight.size;
  if (globalFree <= 0) return [];

  const hostLoad = new Map(state.inFlightByHost);
  const chosen = new Set<ItemState>();
  const candidates = runnableBatches(state, settings);
  const decisions: Decision[] = [];
  let order = state.lastSeq;

  while (globalFree > 0 && candidates.length > 0) {
    const load = pickLeastLoaded(candidates);
    const item =
      load.inFlight < load.limit
        ? nextReadyItem(load.batch, hostLoad, chosen, nowMs, settings.maxPerHost)
        : undefined;
    if (!item) {
      candidates.splice(candidates.indexOf(load), 1);
      continue;
    }
    chosen.add(item);
    hostLoad.set(item.host, (hostLoad.get(item.host) ?? 0) + 1);
    load.inFlight += 1;
    order += 1;
    load.lastDispatch = order;
    globalFree -= 1;
    decisions.push(dispatchDecision(item, nowMs, settings));
  }
  return decisions;
}

function runnableBatches(state: SchedulerState, settings: DeciderSettings): BatchLoad[] {
  const loads: BatchLoad[] = [];
  for (const batch of state.batches.values()) {
    const runnable =
      batch.created && batch.status === 'processing' && !batch.paused && !batch.cancelling;
    if (!runnable || batch.pendingByHost.size === 0) continue;
    loads.push({
      batch,
      limit: batch.maxConcurrency ?? settings.maxBatchItems,
      inFlight: batch.inFlight,
      lastDispatch: batch.lastDispatchSeq,
    });
  }
  return loads;
}

function pickLeastLoaded(candidates: BatchLoad[]): BatchLoad {
  let best = candidates[0]!;
  for (const load of candidates) {
    const fewer = load.inFlight < best.inFlight;
    const tieOlder = load.inFlight === best.inFlight && load.lastDispatch < best.lastDispatch;
    if (fewer || tieOlder) best = load;
  }
  return best;
}

/**
 * Finds the pending item with the lowest index whose retry time has come and whose host has a
 * free slot.
 */
function nextReadyItem(
  batch: BatchState,
  hostLoad: Map<string, number>,
  chosen: Set<ItemState>,
  nowMs: number,
  maxPerHost: number,
): ItemState | undefined {
  let best: ItemState | undefined;
  for (const [host, queue] of batch.pendingByHost) {
    if ((hostLoad.get(host) ?? 0) >= maxPerHost) continue;
    for (const item of queue) {
      if (chosen.has(item)) continue;
      if (item.notBeforeMs !== undefined && item.notBeforeMs > nowMs) continue;
      if (!best || item.index < best.index) best = item;
      break;
    }
  }
  return best;
}

function dispatchDecision(item: ItemState, nowMs: number, settings: DeciderSettings): Decision {
  const attempt = item.attempt + 1;
  const verifyFirst = item.effectStarted;
  const scope = { batchId: item.batchId, itemId: item.itemId, attempt };
  const event = decisionEvent('item.dispatched', scope, `dispatched:${attempt}`, nowMs, {
    attempt,
    verifyFirst,
  });
  const work: WorkMessage = {
    batchId: item.batchId,
    itemId: item.itemId,
    attempt,
    orderUrl: item.orderUrl,
    amount: item.amount,
    timeoutMs: settings.attemptTimeoutMs,
    dispatchedAt: new Date(nowMs).toISOString(),
    verifyFirst,
  };
  return { event, work };
}
