import { fileURLToPath } from 'node:url';
import { jetstream } from '@nats-io/jetstream';
import { CONSUMERS, createEvent, WORK_ACK_WAIT_MS, WORK_STREAM } from '@orderflow/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BrowserWorker, startBrowserWorker } from '../src/index';
import {
  cancelRequest,
  eventsOfItem,
  log,
  publishSchedulerEvent,
  publishWork,
  readArtifact,
  startEnvironment,
  type TestEnvironment,
  testConfig,
  waitForItemEvent,
  waitForOutcome,
  workFor,
} from './support';

const RECIPES_DIR = fileURLToPath(new URL('./fixtures/recipes', import.meta.url));

let env: TestEnvironment;
let worker: BrowserWorker;
let redelivered: ReturnType<typeof workFor>;
/** An attempt that outlives the work consumer's ack_wait, kept alive by working() heartbeats. */
let longAttempt: ReturnType<typeof workFor>;

/** Takes a work message off the consumer and hands it back, so its next delivery is the second. */
async function deliverOnceWithoutOutcome(): Promise<void> {
  redelivered = workFor(env.shop, '/orders/standard-200?amount=25.00');
  await publishWork(env.connection, redelivered);
  const consumer = await jetstream(env.connection).consumers.get(
    WORK_STREAM.name,
    CONSUMERS.browserWorkers,
  );
  const message = await consumer.next({ expires: 5_000 });
  expect(message).not.toBeNull();
  message?.nak();
}

beforeAll(async () => {
  env = await startEnvironment();
  await deliverOnceWithoutOutcome();
  const config = testConfig(env.nats.url, { RECIPES_DIR, STEP_TIMEOUT_MS: '40000' });
  worker = await startBrowserWorker(config, { connection: env.connection, log });
  longAttempt = workFor(env.shop, '/orders/hang-299', { timeoutMs: WORK_ACK_WAIT_MS + 3_000 });
  await publishWork(env.connection, longAttempt);
});

afterAll(async () => {
  await worker?.stop();
  await env?.close();
});

function confirmationsOf(orderId: string) {
  return env.shop.confirmations().filter((entry) => entry.orderId === orderId);
}

describe('interrupted attempts', () => {
  it('reports a redelivered message as lost', async () => {
    const outcome = await waitForOutcome(env.events, redelivered);
    expect(outcome.type).toBe('item.attempt_failed');
    if (outcome.type !== 'item.attempt_failed') return;
    expect(outcome.data.code).toBe('WORKER_LOST');
    expect(outcome.data.retryable).toBe(true);
    const types = eventsOfItem(env.events, redelivered.itemId).map((event) => event.type);
    expect(types).not.toContain('item.attempt_started');
    expect(confirmationsOf('standard-200')).toHaveLength(0);
  });

  it('times out a hanging page with a screenshot', async () => {
    const work = workFor(env.shop, '/orders/hang-201', { timeoutMs: 2_500 });
    await publishWork(env.connection, work);
    const started = await waitForItemEvent(env.events, work.itemId, 'item.attempt_started');
    const outcome = await waitForOutcome(env.events, work);
    const elapsedMs = Date.parse(outcome.time) - Date.parse(started.time);

    expect(outcome.type).toBe('item.attempt_failed');
    if (outcome.type !== 'item.attempt_failed') return;
    expect(outcome.data.code).toBe('ATTEMPT_TIMED_OUT');
    expect(outcome.data.retryable).toBe(true);
    expect(outcome.data.step).toBe('steps[0]:open order');
    expect(outcome.data.details).toMatchObject({ timeoutMs: 2_500 });
    expect(elapsedMs).toBeGreaterThanOrEqual(2_400);
    expect(elapsedMs).toBeLessThan(8_000);
    const name = outcome.data.artifacts?.screenshot ?? '';
    const screenshot = await readArtifact(
      env.connection,
      outcome.data.artifacts?.bucket ?? '',
      name,
    );
    expect(
      Buffer.from(screenshot ?? [])
        .subarray(1, 4)
        .toString(),
    ).toBe('PNG');
  });

  it('verifies an order confirmed before the timeout', async () => {
    const work = workFor(env.shop, '/orders/hangconfirm-202?amount=25.00', { timeoutMs: 3_000 });
    await publishWork(env.connection, work);
    const outcome = await waitForOutcome(env.events, work);
    expect(outcome.type).toBe('item.attempt_succeeded');
    if (outcome.type !== 'item.attempt_succeeded') return;
    expect(outcome.data.fields).toMatchObject({ verifiedOnSite: 'true' });
    expect(confirmationsOf('hangconfirm-202')).toHaveLength(1);
  });

  it('fails as unsafe after a timeout without verification', async () => {
    const work = workFor(env.shop, '/orders/hangconfirm-nv-203?amount=25.00', {
      timeoutMs: 3_000,
    });
    await publishWork(env.connection, work);
    const outcome = await waitForOutcome(env.events, work);
    expect(outcome.type).toBe('item.attempt_failed');
    if (outcome.type !== 'item.attempt_failed') return;
    expect(outcome.data.code).toBe('UNSAFE_TO_RETRY');
    expect(outcome.data.retryable).toBe(false);
    expect(outcome.data.details).toMatchObject({
      interruptedBy: 'ATTEMPT_TIMED_OUT',
      effectStep: 'steps[2]:confirm order',
    });
    expect(outcome.data.message).toContain('check the order on the site by hand');
    expect(confirmationsOf('hangconfirm-nv-203')).toHaveLength(1);
  });

  it('stops a cancelled batch within two seconds', async () => {
    const work = workFor(env.shop, '/orders/slow-204?amount=25.00&delayMs=60000');
    await publishWork(env.connection, work);
    await waitForItemEvent(env.events, work.itemId, 'item.attempt_started');
    const cancelledAt = Date.now();
    await publishSchedulerEvent(env.connection, cancelRequest(work.batchId));
    const outcome = await waitForOutcome(env.events, work);
    const stoppedAfterMs = Date.now() - cancelledAt;

    expect(outcome.type).toBe('item.attempt_failed');
    if (outcome.type !== 'item.attempt_failed') return;
    expect(outcome.data.code).toBe('ATTEMPT_CANCELLED');
    expect(outcome.data.retryable).toBe(false);
    expect(stoppedAfterMs).toBeLessThan(2_000);

    const queued = workFor(env.shop, '/orders/standard-205?amount=25.00', {
      batchId: work.batchId,
    });
    await publishWork(env.connection, queued);
    const queuedOutcome = await waitForOutcome(env.events, queued);
    expect(queuedOutcome.type).toBe('item.attempt_failed');
    if (queuedOutcome.type !== 'item.attempt_failed') return;
    expect(queuedOutcome.data.code).toBe('ATTEMPT_CANCELLED');
    const types = eventsOfItem(env.events, queued.itemId).map((event) => event.type);
    expect(types).not.toContain('item.attempt_started');
    expect(confirmationsOf('standard-205')).toHaveLength(0);
  });

  it('fails as unsafe when cancelled after confirming', async () => {
    const work = workFor(env.shop, '/orders/hangconfirm-206?amount=25.00');
    await publishWork(env.connection, work);
    await waitForItemEvent(env.events, work.itemId, 'item.effect_started');
    await publishSchedulerEvent(env.connection, cancelRequest(work.batchId));
    const outcome = await waitForOutcome(env.events, work);
    expect(outcome.type).toBe('item.attempt_failed');
    if (outcome.type !== 'item.attempt_failed') return;
    expect(outcome.data.code).toBe('UNSAFE_TO_RETRY');
    expect(outcome.data.details).toMatchObject({ interruptedBy: 'ATTEMPT_CANCELLED' });
  });

  it('stops an attempt the scheduler timed out', async () => {
    const work = workFor(env.shop, '/orders/hang-207');
    await publishWork(env.connection, work);
    await waitForItemEvent(env.events, work.itemId, 'item.attempt_started');
    const timedOut = createEvent(
      'item.attempt_timed_out',
      { source: 'scheduler', batchId: work.batchId, itemId: work.itemId, attempt: 1 },
      { attempt: 1, timeoutMs: work.timeoutMs },
    );
    await publishSchedulerEvent(env.connection, timedOut);
    const outcome = await waitForOutcome(env.events, work, 10_000);
    expect(outcome.type).toBe('item.attempt_failed');
    if (outcome.type !== 'item.attempt_failed') return;
    expect(outcome.data.code).toBe('ATTEMPT_TIMED_OUT');
    expect(outcome.data.message).toContain('scheduler');
  });

  it('keeps a long attempt past ack_wait', async () => {
    const outcome = await waitForOutcome(env.events, longAttempt, WORK_ACK_WAIT_MS + 20_000);
    expect(outcome.type).toBe('item.attempt_failed');
    if (outcome.type !== 'item.attempt_failed') return;
    expect(outcome.data.code).toBe('ATTEMPT_TIMED_OUT');
    const codes = eventsOfItem(env.events, longAttempt.itemId).map((event) => event.type);
    expect(codes.filter((type) => type === 'item.attempt_started')).toHaveLength(1);
  });
});
