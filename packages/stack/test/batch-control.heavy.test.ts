import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { pollUntil } from './support/api-client';
import { type E2eStack, orderIdOf, printLogsOnFailure, startE2eStack } from './support/e2e-stack';
import { ofType, type StoredEvent } from './support/event-history';
import {
  confirmationsPerOrder,
  ordersPaidTwice,
  peakRunningAttempts,
} from './support/history-checks';

/** Per-batch limit, below the 4 slots of the two worker processes, so that it takes effect. */
const BATCH_LIMIT = 2;
/** How long the tests watch for something that must not happen, such as a dispatch. */
const QUIET_WINDOW_MS = 1_500;

let e2e: E2eStack;

beforeAll(async () => {
  e2e = await startE2eStack({ workers: 2 });
});

printLogsOnFailure(() => e2e);

afterAll(async () => {
  await e2e?.stop();
});

/** Creates a batch of standard orders whose pages take `delayMs` to show their details. */
async function createBatch(prefix: string, count: number, delayMs: number) {
  const items = Array.from({ length: count }, (_, index) => ({
    order_url: e2e.orderUrl(`standard-${prefix}${index}`, '15.00', { delayMs: String(delayMs) }),
    amount: '15.00',
  }));
  return e2e.api.createBatch(`Control ${prefix}`, items, { maxConcurrency: BATCH_LIMIT });
}

/** Tells whether every dispatched attempt of the batch has an outcome or its item was skipped. */
function nothingInFlight(events: StoredEvent[]): boolean {
  const outcomes = [
    ...ofType(events, 'item.attempt_succeeded'),
    ...ofType(events, 'item.attempt_failed'),
    ...ofType(events, 'item.attempt_timed_out'),
  ];
  const settled = new Set(outcomes.map((event) => `${event.itemId}:${event.data.attempt}`));
  const skipped = new Set(ofType(events, 'item.skipped').map((event) => event.itemId));
  return ofType(events, 'item.dispatched').every(
    (event) => settled.has(`${event.itemId}:${event.data.attempt}`) || skipped.has(event.itemId),
  );
}

test('batch limit holds in the event stream', async () => {
  const created = await createBatch('lim', 12, 600);
  expect(created.max_concurrency).toBe(BATCH_LIMIT);
  await e2e.api.control(created.id, 'start');

  const finished = await e2e.api.waitForFinish(created.id);
  expect(finished.status).toBe('completed');
  expect(finished.counts.success).toBe(12);
  const events = await e2e.history.read(created.id);
  expect(ofType(events, 'batch.started')[0]?.data.maxConcurrency).toBe(BATCH_LIMIT);
  // The two workers have 4 slots, so a peak of exactly 2 shows that the batch limit was enforced.
  expect(peakRunningAttempts(events)).toBe(BATCH_LIMIT);
});

test('pause stops dispatch and resume finishes', async () => {
  const created = await createBatch('pau', 12, 1_000);
  await e2e.api.control(created.id, 'start');
  await e2e.api.waitForBatch(created.id, (batch) => batch.counts.success >= 2, 'two successes');

  const paused = await e2e.api.control(created.id, 'pause');
  expect(paused.paused).toBe(true);
  await e2e.history.waitUntil(created.id, nothingInFlight, 'paused batch to drain');
  await sleep(QUIET_WINDOW_MS);
  const whilePaused = await e2e.history.read(created.id);
  const pausedAt = ofType(whilePaused, 'batch.paused')[0]!.seq;
  const dispatchedAfterPause = ofType(whilePaused, 'item.dispatched').filter(
    (event) => event.seq > pausedAt,
  );
  expect(dispatchedAfterPause).toEqual([]);
  const pausedBatch = await e2e.api.batch(created.id);
  expect(pausedBatch.status).toBe('processing');
  expect(pausedBatch.paused).toBe(true);
  expect(pausedBatch.counts.pending).toBeGreaterThan(0);
  expect(pausedBatch.counts.processing).toBe(0);

  const resumed = await e2e.api.control(created.id, 'resume');
  expect(resumed.paused).toBe(false);
  const finished = await e2e.api.waitForFinish(created.id);
  expect(finished.status).toBe('completed');
  expect(finished.counts.success).toBe(12);
  const events = await e2e.history.read(created.id);
  const resumedAt = ofType(events, 'batch.resumed')[0]!.seq;
  expect(ofType(events, 'item.dispatched').filter((event) => event.seq > resumedAt).length).toBe(
    pausedBatch.counts.pending,
  );
  expect(peakRunningAttempts(events)).toBeLessThanOrEqual(BATCH_LIMIT);
});

test('cancel skips the rest and stops confirmations', async () => {
  const count = 20;
  const created = await createBatch('can', count, 1_000);
  await e2e.api.control(created.id, 'start');
  await e2e.api.waitForBatch(created.id, (batch) => batch.counts.success >= 3, 'three successes');

  const cancelling = await e2e.api.control(created.id, 'cancel');
  expect(cancelling.cancel_requested).toBe(true);
  const finished = await e2e.api.waitForFinish(created.id);
  expect(finished.status).toBe('cancelled');
  expect(finished.counts.skipped).toBeGreaterThan(0);
  expect(finished.counts.failed).toBe(0);
  expect(finished.counts.success + finished.counts.skipped).toBe(count);

  await e2e.history.waitUntil(created.id, nothingInFlight, 'cancelled batch to settle');
  await pollUntil(
    () => e2e.history.workMessages(),
    (count) => count === 0,
    'work messages of the cancelled batch to be deleted',
    10_000,
  );
  const settledConfirmations = e2e.shop.confirmations().length;
  await sleep(QUIET_WINDOW_MS);
  expect(e2e.shop.confirmations().length).toBe(settledConfirmations);

  const items = await e2e.api.items(created.id);
  const confirmed = confirmationsPerOrder(e2e.shop);
  for (const item of items) {
    const orderId = orderIdOf(item.order_url);
    expect(['success', 'skipped'], `status of ${orderId}`).toContain(item.status);
    if (item.status === 'success') expect(confirmed.get(orderId), orderId).toBe(1);
  }
  expect(ordersPaidTwice(e2e.shop)).toEqual([]);
  const events = await e2e.history.read(created.id);
  const finishedAt = ofType(events, 'batch.finished')[0]!.seq;
  expect(ofType(events, 'item.dispatched').filter((event) => event.seq > finishedAt)).toEqual([]);
  expect(peakRunningAttempts(events)).toBeLessThanOrEqual(BATCH_LIMIT);
});
