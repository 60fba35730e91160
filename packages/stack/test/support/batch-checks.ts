import { orderNumberOf } from '@orderflow/demo-shop';
import { expect } from 'vitest';
import { type E2eStack, orderIdOf } from './e2e-stack';
import { ofType, type StoredEvent } from './event-history';
import { confirmationsPerOrder, countByStatus, expectedItems } from './history-checks';

/**
 * Creates a batch of `count` standard demo shop orders, named `standard-<prefix><index>`, whose
 * pages show their details after `delayMs`, and starts it.
 */
export async function startStandardBatch(
  e2e: E2eStack,
  prefix: string,
  count: number,
  delayMs: number,
): Promise<string> {
  const items = Array.from({ length: count }, (_, index) => ({
    order_url: e2e.orderUrl(`standard-${prefix}${index}`, '30.00', { delayMs: String(delayMs) }),
    amount: '30.00',
  }));
  const created = await e2e.api.createBatch(`Batch ${prefix}`, items);
  await e2e.api.control(created.id, 'start');
  return created.id;
}

/**
 * Checks that a batch of standard orders lost nothing and paid nothing twice. Every item
 * succeeded with its shop order number, and the shop confirmed each order exactly once. The
 * events contain one success per item and attempts numbered 1..n, and the API lists each one.
 */
export async function expectEveryOrderOnce(e2e: E2eStack, batchId: string): Promise<StoredEvent[]> {
  const batch = await e2e.api.waitForFinish(batchId);
  expect(batch.status).toBe('completed');
  expect(batch.counts.success).toBe(batch.total_items);

  const items = await e2e.api.items(batchId);
  const events = await e2e.history.read(batchId);
  const confirmations = confirmationsPerOrder(e2e.shop);
  for (const item of items) {
    const orderId = orderIdOf(item.order_url);
    expect(item.status, `status of ${orderId}`).toBe('success');
    expect(item.order_number, `order number of ${orderId}`).toBe(orderNumberOf(orderId));
    expect(confirmations.get(orderId), `confirmations of ${orderId}`).toBe(1);

    const ofItem = events.filter((event) => event.itemId === item.id);
    expect(ofType(ofItem, 'item.succeeded'), `successes of ${orderId}`).toHaveLength(1);
    const dispatched = ofType(ofItem, 'item.dispatched').map((event) => event.data.attempt);
    expect(dispatched, `attempts of ${orderId}`).toEqual(dispatched.map((_, i) => i + 1));
    expect(item.attempts, `attempt count of ${orderId}`).toBe(dispatched.length);
    const attempts = await e2e.api.attempts(item.id);
    expect(
      attempts.map((attempt) => attempt.attempt),
      `attempt history of ${orderId}`,
    ).toEqual(dispatched);
  }
  return events;
}

/**
 * Checks that the read model equals what the event history implies: each item's status,
 * attempt count and order number, and the batch's counts, status and finish totals.
 */
export async function expectReadModelMatchesHistory(e2e: E2eStack, batchId: string): Promise<void> {
  const events = await e2e.history.read(batchId);
  const expected = expectedItems(events);
  const items = await e2e.api.items(batchId);
  expect(items).toHaveLength(expected.size);
  for (const item of items) {
    const want = expected.get(item.id);
    expect(want, `item ${item.id} in the history`).toBeDefined();
    expect(item.status, `status of item ${item.index}`).toBe(want!.status);
    expect(item.attempts, `attempts of item ${item.index}`).toBe(want!.attempts);
    expect(item.order_number, `order number of item ${item.index}`).toBe(want!.orderNumber);
  }

  const batch = await e2e.api.batch(batchId);
  const counts = countByStatus([...expected.values()].map((item) => item.status));
  expect(batch.counts).toEqual(counts);
  const finished = ofType(events, 'batch.finished');
  expect(finished).toHaveLength(1);
  expect(batch.status).toBe(finished[0]!.data.status);
  expect(finished[0]!.data.succeeded).toBe(counts.success);
  expect(finished[0]!.data.failed).toBe(counts.failed);
  expect(finished[0]!.data.skipped).toBe(counts.skipped);
}
