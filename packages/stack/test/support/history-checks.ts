import type { DemoShop } from '@orderflow/demo-shop';
import { ofType, type StoredEvent } from './event-history';

/** An item's final state as the event history implies it. */
export interface ExpectedItem {
  status: string;
  attempts: number;
  orderNumber: string | null;
}

/** Scheduler decisions and hand updates: the events that set an item's status. */
const STATUS_OF_DECISION: Record<string, string> = {
  'item.dispatched': 'processing',
  'item.retry_scheduled': 'pending',
  'item.succeeded': 'success',
  'item.failed': 'failed',
  'item.skipped': 'skipped',
  'item.requeued': 'pending',
};

/**
 * Derives each item's status, attempt count and order number from the batch's events: the last
 * decision in stream order sets the status, and the attempt count is the highest attempt
 * dispatched. Written independently of the gateway's projector, so that the two can be
 * compared.
 */
export function expectedItems(events: StoredEvent[]): Map<string, ExpectedItem> {
  const items = new Map<string, ExpectedItem>();
  for (const added of ofType(events, 'batch.items_added')) {
    for (const item of added.data.items) {
      items.set(item.itemId, { status: 'pending', attempts: 0, orderNumber: null });
    }
  }
  for (const event of events) {
    const item = event.itemId ? items.get(event.itemId) : undefined;
    if (!item) continue;
    if (event.type === 'item.dispatched') {
      item.attempts = Math.max(item.attempts, event.data.attempt);
    }
    if (event.type === 'item.succeeded') item.orderNumber = event.data.orderNumber;
    if (event.type === 'item.updated_by_hand') {
      if (event.data.orderNumber !== undefined) item.orderNumber = event.data.orderNumber;
      item.status = event.data.status;
      continue;
    }
    const status = STATUS_OF_DECISION[event.type];
    if (status) item.status = status;
  }
  return items;
}

/** Counts items per status. */
export function countByStatus(statuses: Iterable<string>): Record<string, number> {
  const counts: Record<string, number> = {
    pending: 0,
    processing: 0,
    success: 0,
    failed: 0,
    skipped: 0,
  };
  for (const status of statuses) counts[status] = (counts[status] ?? 0) + 1;
  return counts;
}

/**
 * Returns the highest number of attempts of the batch that were running at once: started
 * (`item.attempt_started`) and without an outcome (`item.attempt_succeeded`,
 * `item.attempt_failed` or `item.attempt_timed_out`), in stream order.
 */
export function peakRunningAttempts(events: StoredEvent[]): number {
  const running = new Set<string>();
  let peak = 0;
  for (const event of events) {
    const key = `${event.itemId}:${event.attempt}`;
    if (event.type === 'item.attempt_started') {
      running.add(key);
      peak = Math.max(peak, running.size);
    } else if (
      event.type === 'item.attempt_succeeded' ||
      event.type === 'item.attempt_failed' ||
      event.type === 'item.attempt_timed_out'
    ) {
      running.delete(key);
    }
  }
  return peak;
}

/** Maps each started attempt without an outcome yet, keyed `itemId:attempt`, to its worker id. */
export function runningAttempts(events: StoredEvent[]): Map<string, string> {
  const running = new Map<string, string>();
  for (const event of events) {
    const key = `${event.itemId}:${event.attempt}`;
    if (event.type === 'item.attempt_started') running.set(key, event.data.workerId);
    else if (
      event.type === 'item.attempt_succeeded' ||
      event.type === 'item.attempt_failed' ||
      event.type === 'item.attempt_timed_out'
    ) {
      running.delete(key);
    }
  }
  return running;
}

/** Counts the demo shop's accepted confirm requests per order id. */
export function confirmationsPerOrder(shop: DemoShop): Map<string, number> {
  const counts = new Map<string, number>();
  for (const confirmation of shop.confirmations()) {
    counts.set(confirmation.orderId, (counts.get(confirmation.orderId) ?? 0) + 1);
  }
  return counts;
}

/** Returns the order ids that the demo shop confirmed more than once. */
export function ordersPaidTwice(shop: DemoShop): string[] {
  return [...confirmationsPerOrder(shop)].filter(([, count]) => count > 1).map(([id]) => id);
}
