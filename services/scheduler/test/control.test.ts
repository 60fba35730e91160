import { subjects, WORK_STREAM } from '@orderflow/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeOutcome, type FakeWorkers, startFakeWorkers } from './support/fake-workers';
import {
  answerOf,
  createBatch,
  sendControl,
  sendRetry,
  startStack,
  startTestScheduler,
  type TestScheduler,
  type TestStack,
  testConfig,
} from './support/stack';

describe('scheduler control', () => {
  let stack: TestStack;
  let scheduler: TestScheduler;
  let workers: FakeWorkers;
  /** Outcome of each attempt by host; the default is a success after 50 ms. */
  const plans = new Map<string, (index: number, attempt: number) => FakeOutcome>();

  beforeAll(async () => {
    stack = await startStack(4);
    const config = testConfig(stack, {
      MAX_CONCURRENT_ITEMS: '4',
      MAX_CONCURRENT_BATCH_ITEMS: '3',
    });
    scheduler = await startTestScheduler(stack, config);
    workers = await startFakeWorkers(stack.connection, stack.js, {
      concurrency: 4,
      decide: (work) => {
        const url = new URL(work.orderUrl);
        const index = Number(url.pathname.split('/').at(-1));
        const plan = plans.get(url.hostname);
        return plan ? plan(index, work.attempt) : { kind: 'succeed', delayMs: 50 };
      },
    });
  });

  afterAll(async () => {
    await workers.stop();
    await scheduler.stop();
    await stack.stop();
  });

  const succeededCount = (batchId: string) => stack.events.ofType('item.succeeded', batchId).length;

  it('cancel skips pending items and finishes cancelled', async () => {
    plans.set('cancel.test', () => ({ kind: 'succeed', delayMs: 150 }));
    const { batchId } = await createBatch(stack.js, { itemCount: 30, hostOf: () => 'cancel.test' });
    await answerOf(stack.events, await sendControl(stack.js, batchId, 'start'));
    await stack.events.waitUntil(() => succeededCount(batchId) >= 4, 'four successes');

    const cancel = await answerOf(stack.events, await sendControl(stack.js, batchId, 'cancel'));
    expect(cancel.type).toBe('batch.cancel_requested');
    const finished = await stack.events.waitFor('batch.finished', (e) => e.batchId === batchId);

    expect(finished.data.status).toBe('cancelled');
    expect(finished.data.succeeded + finished.data.skipped + finished.data.failed).toBe(30);
    expect(finished.data.skipped).toBeGreaterThan(20);
    const lateDispatches = stack.events
      .ofType('item.dispatched', batchId)
      .filter((event) => event.seq > cancel.seq);
    expect(lateDispatches).toHaveLength(0);
    const work = await stack.jsm.streams.info(WORK_STREAM.name, {
      subjects_filter: subjects.work(batchId),
    });
    expect(work.state.subjects?.[subjects.work(batchId)] ?? 0).toBe(0);
  });

  it('cancel of a pending batch skips every item', async () => {
    const { batchId } = await createBatch(stack.js, { itemCount: 5 });
    await answerOf(stack.events, await sendControl(stack.js, batchId, 'cancel'));
    const finished = await stack.events.waitFor('batch.finished', (e) => e.batchId === batchId);

    expect(finished.data).toMatchObject({ status: 'cancelled', skipped: 5, succeeded: 0 });
    expect(stack.events.ofType('item.dispatched', batchId)).toHaveLength(0);
  });

  it('pause stops dispatching until resume', async () => {
    plans.set('pause.test', () => ({ kind: 'succeed', delayMs: 100 }));
    const { batchId } = await createBatch(stack.js, { itemCount: 20, hostOf: () => 'pause.test' });
    await answerOf(stack.events, await sendControl(stack.js, batchId, 'start'));
    await stack.events.waitUntil(() => succeededCount(batchId) >= 3, 'three successes');

    const paused = await answerOf(stack.events, await sendControl(stack.js, batchId, 'pause'));
    expect(paused.type).toBe('batch.paused');
    // Attempts running at the pause may finish; after that nothing new may start for a while.
    await new Promise((resolve) => setTimeout(resolve, 600));
    const dispatchedWhilePaused = stack.events
      .ofType('item.dispatched', batchId)
      .filter((event) => event.seq > paused.seq);
    expect(dispatchedWhilePaused).toHaveLength(0);
    const succeededWhilePaused = succeededCount(batchId);
    expect(succeededWhilePaused).toBeLessThan(20);

    const resumed = await answerOf(stack.events, await sendControl(stack.js, batchId, 'resume'));
    expect(resumed.type).toBe('batch.resumed');
    const finished = await stack.events.waitFor('batch.finished', (e) => e.batchId === batchId);
    expect(finished.data).toMatchObject({ status: 'completed', succeeded: 20 });
  });

  it('retry puts up to limit failed items back with a fresh budget', async () => {
    let healed = false;
    plans.set('retry.test', (index) =>
      index < 5 && !healed
        ? { kind: 'fail', code: 'ORDER_NUMBER_NOT_FOUND', retryable: false }
        : { kind: 'succeed' },
    );
    const { batchId } = await createBatch(stack.js, { itemCount: 12, hostOf: () => 'retry.test' });
    await answerOf(stack.events, await sendControl(stack.js, batchId, 'start'));
    const first = await stack.events.waitFor('batch.finished', (e) => e.batchId === batchId);
    expect(first.data).toMatchObject({ status: 'completed', succeeded: 7, failed: 5 });

    healed = true;
    const retry = await answerOf(stack.events, await sendRetry(stack.js, batchId, 3));
    expect(retry.type).toBe('batch.retry_requested');
    if (retry.type !== 'batch.retry_requested') return;
    expect(retry.data.requeuedCount).toBe(3);
    await stack.events.waitUntil(
      () => stack.events.ofType('item.requeued', batchId).length >= 3,
      'three requeued items',
    );
    const requeued = stack.events.ofType('item.requeued', batchId);
    expect(requeued).toHaveLength(3);
    expect(requeued.every((event) => event.data.attemptsBefore === 1)).toBe(true);

    await stack.events.waitUntil(
      () => stack.events.ofType('batch.finished', batchId).length === 2,
      'second finish',
    );
    const second = stack.events.ofType('batch.finished', batchId)[1]!;
    expect(second.data).toMatchObject({ status: 'completed', succeeded: 10, failed: 2 });
    const secondAttempts = stack.events
      .ofType('item.dispatched', batchId)
      .filter((event) => event.seq > retry.seq);
    expect(secondAttempts.map((event) => event.data.attempt)).toEqual([2, 2, 2]);
  });

  it('rejects transitions that do not apply, naming the status', async () => {
    const { batchId } = await createBatch(stack.js, { itemCount: 1, hostOf: () => 'reject.test' });
    const pause = await answerOf(stack.events, await sendControl(stack.js, batchId, 'pause'));
    expect(pause.type).toBe('batch.command_rejected');
    if (pause.type !== 'batch.command_rejected') return;
    expect(pause.data.code).toBe('INVALID_TRANSITION');
    expect(pause.data.message).toContain('status pending');

    await answerOf(stack.events, await sendControl(stack.js, batchId, 'start'));
    await stack.events.waitFor('batch.finished', (e) => e.batchId === batchId);
    const start = await answerOf(stack.events, await sendControl(stack.js, batchId, 'start'));
    expect(start.type).toBe('batch.command_rejected');
    expect(start.data).toMatchObject({ message: expect.stringContaining('status completed') });
    const retry = await answerOf(stack.events, await sendRetry(stack.js, batchId, 10));
    expect(retry.type).toBe('batch.command_rejected');
    expect(retry.data).toMatchObject({ code: 'NOTHING_TO_RETRY' });
  });

  it('shares capacity fairly with a batch that starts later', async () => {
    plans.set('big.test', () => ({ kind: 'succeed', delayMs: 40 }));
    plans.set('small.test', () => ({ kind: 'succeed', delayMs: 40 }));
    const big = await createBatch(stack.js, { itemCount: 150, hostOf: () => 'big.test' });
    const small = await createBatch(stack.js, { itemCount: 30, hostOf: () => 'small.test' });
    await answerOf(stack.events, await sendControl(stack.js, big.batchId, 'start'));
    await stack.events.waitUntil(() => succeededCount(big.batchId) >= 10, 'big batch running');
    await answerOf(stack.events, await sendControl(stack.js, small.batchId, 'start'));
    const smallDone = await stack.events.waitFor(
      'batch.finished',
      (e) => e.batchId === small.batchId,
    );

    // Share of dispatches between the small batch's first dispatch and its finish.
    const dispatches = stack.events.ofType('item.dispatched');
    const smallFirst = dispatches.find((event) => event.batchId === small.batchId)!;
    const window = dispatches.filter(
      (event) => event.seq >= smallFirst.seq && event.seq <= smallDone.seq,
    );
    const smallShare =
      window.filter((event) => event.batchId === small.batchId).length / window.length;
    console.info(`fairness: small batch got ${(smallShare * 100).toFixed(0)}% of dispatches`);
    // Global limit 4, per-batch limit 3: an equal split is 50 %.
    expect(smallShare).toBeGreaterThanOrEqual(0.4);
    expect(smallShare).toBeLessThanOrEqual(0.6);
    await answerOf(stack.events, await sendControl(stack.js, big.batchId, 'cancel'));
  });
});
