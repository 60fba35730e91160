import { newId, subjects, WORK_STREAM } from '@orderflow/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeOutcome, type FakeWorkers, startFakeWorkers } from './support/fake-workers';
import {
  answerOf,
  createBatch,
  sendControl,
  startStack,
  startTestScheduler,
  type TestScheduler,
  type TestStack,
  testConfig,
} from './support/stack';

const RETRY_LIMIT = 3;

describe('scheduler attempts', () => {
  let stack: TestStack;
  let scheduler: TestScheduler;
  let workers: FakeWorkers;
  /** Outcome of each attempt, by host name of the order link; the default is success. */
  const plans = new Map<string, (attempt: number) => FakeOutcome>();

  beforeAll(async () => {
    stack = await startStack(8);
    const config = testConfig(stack, {
      BATCH_TASK_RETRY_LIMIT: String(RETRY_LIMIT),
      BATCH_TASK_TIMEOUT: '1',
      ATTEMPT_TIMEOUT_GRACE_MS: '300',
    });
    scheduler = await startTestScheduler(stack, config);
    workers = await startFakeWorkers(stack.connection, stack.js, {
      concurrency: 8,
      decide: (work) => {
        const plan = plans.get(new URL(work.orderUrl).hostname);
        return plan ? plan(work.attempt) : { kind: 'succeed' };
      },
    });
  });

  afterAll(async () => {
    await workers.stop();
    await scheduler.stop();
    await stack.stop();
  });

  /** Creates and starts a one-item batch whose attempts follow `plan`; returns its ids. */
  async function runItem(host: string, plan: (attempt: number) => FakeOutcome) {
    plans.set(host, plan);
    const { batchId, itemIds } = await createBatch(stack.js, { itemCount: 1, hostOf: () => host });
    await answerOf(stack.events, await sendControl(stack.js, batchId, 'start'));
    const finished = await stack.events.waitFor('batch.finished', (e) => e.batchId === batchId);
    return { batchId, itemId: itemIds[0]!, finished };
  }

  it('runs an always-failing item exactly limit + 1 times', async () => {
    const { batchId, itemId, finished } = await runItem('always-fails.test', () => ({
      kind: 'fail',
      code: 'NAVIGATION_FAILED',
      retryable: true,
    }));

    const dispatched = stack.events.ofType('item.dispatched', batchId);
    expect(dispatched.map((event) => event.data.attempt)).toEqual([1, 2, 3, 4]);
    const retries = stack.events.ofType('item.retry_scheduled', batchId);
    expect(retries.map((event) => event.data.attempt)).toEqual([1, 2, 3]);
    for (const retry of retries) {
      const next = dispatched.find((event) => event.data.attempt === retry.data.nextAttempt)!;
      expect(Date.parse(next.time)).toBeGreaterThanOrEqual(Date.parse(retry.data.notBefore));
    }
    const failed = stack.events.ofType('item.failed', batchId);
    expect(failed).toHaveLength(1);
    expect(failed[0]!.itemId).toBe(itemId);
    expect(failed[0]!.data.attempt).toBe(4);
    expect(failed[0]!.data.code).toBe('NAVIGATION_FAILED');
    expect(finished.data.status).toBe('failed');
  });

  it('fails a final failure after one attempt', async () => {
    const { batchId, finished } = await runItem('final-failure.test', () => ({
      kind: 'fail',
      code: 'AMOUNT_MISMATCH',
      retryable: false,
    }));

    expect(stack.events.ofType('item.dispatched', batchId)).toHaveLength(1);
    expect(stack.events.ofType('item.retry_scheduled', batchId)).toHaveLength(0);
    expect(stack.events.ofType('item.failed', batchId)[0]!.data.code).toBe('AMOUNT_MISMATCH');
    expect(finished.data).toMatchObject({ status: 'failed', succeeded: 0, failed: 1 });
  });

  it('ignores the late success of a timed-out attempt', async () => {
    const { batchId, finished } = await runItem('slow.test', (attempt) =>
      attempt === 1 ? { kind: 'hang', thenSucceedAfterMs: 2_500 } : { kind: 'succeed' },
    );
    await stack.events.waitFor(
      'item.attempt_succeeded',
      (event) => event.batchId === batchId && event.data.attempt === 1,
    );

    const timedOut = stack.events.ofType('item.attempt_timed_out', batchId);
    expect(timedOut.map((event) => event.data.attempt)).toEqual([1]);
    expect(stack.events.ofType('item.retry_scheduled', batchId)[0]!.data.code).toBe(
      'ATTEMPT_TIMED_OUT',
    );
    const succeeded = stack.events.ofType('item.succeeded', batchId);
    expect(succeeded).toHaveLength(1);
    expect(succeeded[0]!.data.attempt).toBe(2);
    expect(succeeded[0]!.data.orderNumber).toMatch(/-2$/);
    expect(finished.data.status).toBe('completed');
    expect(stack.events.ofType('batch.finished', batchId)).toHaveLength(1);
  });

  it('verifies first after a worker was lost past a payment step', async () => {
    const { batchId, finished } = await runItem('lost-worker.test', (attempt) =>
      attempt === 1 ? { kind: 'crash', afterEffect: true } : { kind: 'succeed' },
    );

    const failures = stack.events.ofType('item.attempt_failed', batchId);
    expect(failures.map((event) => event.data.code)).toEqual(['WORKER_LOST']);
    const dispatched = stack.events.ofType('item.dispatched', batchId);
    expect(dispatched.map((event) => event.data.verifyFirst)).toEqual([false, true]);
    const work = workers.received.filter((message) => message.batchId === batchId);
    expect(work.at(-1)).toMatchObject({ attempt: 2, verifyFirst: true });
    expect(finished.data.status).toBe('completed');
  });

  it('owns a work message that reaches the delivery limit', async () => {
    const { batchId, finished } = await runItem('never-acked.test', () => ({ kind: 'drop' }));

    const failures = stack.events.ofType('item.attempt_failed', batchId);
    expect(failures).toHaveLength(1);
    expect(failures[0]!.source).toBe('scheduler');
    expect(failures[0]!.data.code).toBe('DELIVERY_LIMIT_REACHED');
    expect(stack.events.ofType('item.failed', batchId)).toHaveLength(1);
    expect(finished.data.status).toBe('failed');
    const info = await stack.jsm.streams.info(WORK_STREAM.name, {
      subjects_filter: subjects.work(batchId),
    });
    expect(info.state.subjects?.[subjects.work(batchId)] ?? 0).toBe(0);
  });

  it('answers a start that arrives before the batch exists', async () => {
    const batchId = newId();
    const commandId = await sendControl(stack.js, batchId, 'start');
    await new Promise((resolve) => setTimeout(resolve, 300));
    await createBatch(stack.js, { batchId, itemCount: 2, hostOf: () => 'late.test' });

    const answer = await answerOf(stack.events, commandId);
    expect(answer.type).toBe('batch.started');
    const finished = await stack.events.waitFor('batch.finished', (e) => e.batchId === batchId);
    expect(finished.data.status).toBe('completed');
  });

  it('rejects a command for a batch that never appears', async () => {
    const commandId = await sendControl(stack.js, newId(), 'start');
    const answer = await answerOf(stack.events, commandId);
    expect(answer.type).toBe('batch.command_rejected');
    if (answer.type !== 'batch.command_rejected') return;
    expect(answer.data.code).toBe('NOT_FOUND');
    expect(answer.data.commandId).toBe(commandId);
  });
});
