import type { LoggedEvent } from './event-log';

/** Highest number of attempts in flight at once, computed from the event stream. */
export interface InFlightPeaks {
  global: number;
  /** Dispatches of an item while an earlier attempt of it was still in flight. */
  overlaps: number;
  byBatch: Map<string, number>;
  byHost: Map<string, number>;
}

/**
 * Replays events in stream order and tracks attempts in flight. An attempt enters with
 * `item.dispatched`. It leaves with its outcome (succeeded, failed, timed out) or when the item
 * ends otherwise (skipped, set by hand).
 */
export function inFlightPeaks(events: LoggedEvent[]): InFlightPeaks {
  const hostOfItem = new Map<string, string>();
  const running = new Map<string, { batchId: string; host: string; attempt: number }>();
  const peaks: InFlightPeaks = { global: 0, overlaps: 0, byBatch: new Map(), byHost: new Map() };
  const count = (key: (entry: { batchId: string; host: string }) => string, value: string) =>
    [...running.values()].filter((entry) => key(entry) === value).length;

  for (const event of events) {
    if (event.type === 'batch.items_added') {
      for (const item of event.data.items) {
        hostOfItem.set(item.itemId, new URL(item.orderUrl).hostname);
      }
      continue;
    }
    const itemId = event.itemId;
    if (!itemId) continue;
    const entry = running.get(itemId);
    switch (event.type) {
      case 'item.dispatched': {
        const host = hostOfItem.get(itemId) ?? '';
        if (entry) peaks.overlaps += 1;
        running.set(itemId, { batchId: event.batchId, host, attempt: event.data.attempt });
        peaks.global = Math.max(peaks.global, running.size);
        const inBatch = count((running) => running.batchId, event.batchId);
        peaks.byBatch.set(event.batchId, Math.max(peaks.byBatch.get(event.batchId) ?? 0, inBatch));
        const onHost = count((running) => running.host, host);
        peaks.byHost.set(host, Math.max(peaks.byHost.get(host) ?? 0, onHost));
        break;
      }
      case 'item.attempt_succeeded':
      case 'item.attempt_failed':
      case 'item.attempt_timed_out':
        if (entry?.attempt === event.data.attempt) running.delete(itemId);
        break;
      case 'item.skipped':
      case 'item.succeeded':
      case 'item.failed':
      case 'item.updated_by_hand':
        running.delete(itemId);
        break;
      default:
        break;
    }
  }
  return peaks;
}

/** Attempts dispatched per item. */
export function dispatchCounts(events: LoggedEvent[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const event of events) {
    if (event.type !== 'item.dispatched' || !event.itemId) continue;
    counts.set(event.itemId, (counts.get(event.itemId) ?? 0) + 1);
  }
  return counts;
}
