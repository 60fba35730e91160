import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeWorkers } from './support/fake-workers';
import { dispatchCounts, inFlightPeaks } from './support/in-flight';
import {
  answerOf,
  createBatch,
  sendControl,
  startStack,
  startTestScheduler,
  type TestStack,
  testConfig,
} from './support/stack';

const GLOBAL_LIMIT = 7;
const BATCH_LIMIT = 5;
const HOST_LIMIT = 3;
const RETRY_LIMIT = 2;

/** Deterministic pseudo-random numbers, so a failing run can be repeated exactly. */
function seededRandom(seed: number): () => number {
  let value = seed;
  return () => {
    value = (value * 1_103_515_245 + 12_345) % 2_147_483_648;
    return value / 2_147_483_648;
  };
}

describe('scheduler limits', () => {
  let stack: TestStack;

  beforeAll(async () => {
    stack = await startStack(GLOBAL_LIMIT);
  });

  afterAll(async () => {
    await stack.stop();
  });

  it('never exceeds batch, host or global limits over 200 items', async () => {
    const config = testConfig(stack, {
      MAX_CONCURRENT_ITEMS: String(GLOBAL_LIMIT),
      MAX_CONCURRENT_BATCH_ITEMS: String(BATCH_LIMIT),
      MAX_CONCURRENT_PER_HOST: String(HOST_LIMIT),
      BATCH_TASK_RETRY_LIMIT: String(RETRY_LIMIT),
    });
    const scheduler = await startTestScheduler(stack, config);
    const random = seededRandom(42);
    const workers = await startFakeWorkers(stack.connection, stack.js, {
      concurrency: 12,
      decide: () => {
        const delayMs = Math.floor(random() * 30);
        const roll = random();
        if (roll < 0.2)
          return { kind: 'fail', code: 'PAGE_SERVER_ERROR', retryable: true, delayMs };
        if (roll < 0.25)
          return { kind: 'fail', code: 'AMOUNT_MISMATCH', retryable: false, delayMs };
        return { kind: 'succeed', delayMs };
      },
    });
    const hosts = ['a.shop.test', 'a.shop.test', 'a.shop.test', 'b.shop.test', 'c.shop.test'];
    const big = await createBatch(stack.js, {
      itemCount: 200,
      hostOf: (index) => hosts[index % hosts.length]!,
    });
    const small = await createBatch(stack.js, { itemCount: 40, hostOf: () => 'd.shop.test' });

    await answerOf(stack.events, await sendControl(stack.js, big.batchId, 'start'));
    await answerOf(stack.events, await sendControl(stack.js, small.batchId, 'start'));
    const finished = (batchId: string) =>
      stack.events.waitFor('batch.finished', (event) => event.batchId === batchId, 60_000);
    const [bigFinished, smallFinished] = await Promise.all([
      finished(big.batchId),
      finished(small.batchId),
    ]);
    await workers.stop();
    await scheduler.stop();

    const peaks = inFlightPeaks(stack.events.events);
    expect(peaks.global).toBe(GLOBAL_LIMIT);
    expect(peaks.byBatch.get(big.batchId)).toBeLessThanOrEqual(BATCH_LIMIT);
    expect(peaks.byBatch.get(small.batchId)).toBeLessThanOrEqual(BATCH_LIMIT);
    expect(peaks.byHost.get('a.shop.test')).toBe(HOST_LIMIT);
    for (const peak of peaks.byHost.values()) expect(peak).toBeLessThanOrEqual(HOST_LIMIT);

    expect(bigFinished.data.succeeded + bigFinished.data.failed).toBe(200);
    expect(smallFinished.data.succeeded + smallFinished.data.failed).toBe(40);
    for (const count of dispatchCounts(stack.events.events).values()) {
      expect(count).toBeLessThanOrEqual(RETRY_LIMIT + 1);
    }
  });
});
