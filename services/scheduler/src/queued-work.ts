import type { Logger } from '@orderflow/service-kit';
import type { DeciderSettings } from './decision';
import type { DecisionExecutor } from './decision-executor';
import type { SchedulerState } from './state';

/**
 * Age below which a work message may be published again safely: JetStream drops a message
 * whose id it stored within the duplicate window (10 minutes on ORDERFLOW_WORK), so this keeps
 * a minute of margin.
 */
export const REPUBLISH_MAX_AGE_MS = 9 * 60_000;

/**
 * Publishes again, with their original ids, the work messages of dispatched attempts that no
 * worker has started yet. A replica that died between publishing `item.dispatched` and its
 * work message left an attempt that no worker would ever get; the copy fills that gap. Where
 * the message exists, JetStream drops the copy and returns the original's sequence, which a
 * cancel or a timeout needs to delete it.
 */
export async function republishQueuedWork(
  state: SchedulerState,
  executor: DecisionExecutor,
  settings: DeciderSettings,
  log: Logger,
): Promise<void> {
  const nowMs = Date.now();
  let restored = 0;
  let tooOld = 0;
  for (const item of state.inFlight) {
    if (item.startedAtMs !== undefined || item.dispatchedAtMs === undefined) continue;
    if (nowMs - item.dispatchedAtMs > REPUBLISH_MAX_AGE_MS) {
      tooOld += 1;
      continue;
    }
    const ack = await executor.republishWork({
      batchId: item.batchId,
      itemId: item.itemId,
      attempt: item.attempt,
      orderUrl: item.orderUrl,
      amount: item.amount,
      timeoutMs: settings.attemptTimeoutMs,
      dispatchedAt: new Date(item.dispatchedAtMs).toISOString(),
      verifyFirst: item.verifyFirst,
    });
    if (!ack.duplicate) restored += 1;
  }
  if (restored > 0 || tooOld > 0) {
    // NOTE: an attempt dispatched longer ago than the duplicate window is not published again,
    // because a copy could run the attempt twice. If its message was lost, it stays in flight.
    log.warn({ restored, tooOld }, 'queued work messages checked after take-over');
  }
}
