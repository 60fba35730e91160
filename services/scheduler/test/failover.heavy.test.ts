import { type ChildProcess, spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createEvent } from '@orderflow/contracts';
import { findFreePort } from '@orderflow/harness';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { LoggedEvent } from './support/event-log';
import { type FakeWorkers, startFakeWorkers } from './support/fake-workers';
import { inFlightPeaks } from './support/in-flight';
import {
  answerOf,
  createBatch,
  publishEvent,
  sendControl,
  startStack,
  startTestScheduler,
  type TestScheduler,
  type TestStack,
  testConfig,
} from './support/stack';

const GLOBAL_LIMIT = 6;
const LEASE_TTL_MS = 1_500;
const LEASE_RENEW_MS = 300;
const SCHEDULER_DIR = join(dirname(fileURLToPath(import.meta.url)), '..');

const limits = {
  MAX_CONCURRENT_ITEMS: String(GLOBAL_LIMIT),
  MAX_CONCURRENT_BATCH_ITEMS: '5',
  MAX_CONCURRENT_PER_HOST: '3',
  BATCH_TASK_RETRY_LIMIT: '3',
  RETRY_BASE_DELAY_MS: '300',
  RETRY_MAX_DELAY_MS: '600',
  SCHEDULER_LEASE_TTL_MS: String(LEASE_TTL_MS),
  SCHEDULER_LEASE_RENEW_MS: String(LEASE_RENEW_MS),
};

/**
 * Checks the history of a finished batch for lost or doubled work. Each item ends exactly once
 * and its attempts are numbered 1..n without gaps or repeats. Each scheduled retry was
 * dispatched, and no item had two attempts in flight at once.
 */
function expectNothingLost(events: LoggedEvent[], batchId: string, itemIds: string[]): void {
  const ofBatch = events.filter((event) => event.batchId === batchId);
  for (const itemId of itemIds) {
    const ofItem = ofBatch.filter((event) => event.itemId === itemId);
    const endings = ofItem.filter((e) => e.type === 'item.succeeded' || e.type === 'item.failed');
    expect(endings, `endings of item ${itemId}`).toHaveLength(1);
    const attempts = ofItem.flatMap((e) => (e.type === 'item.dispatched' ? [e.data.attempt] : []));
    expect(attempts, `attempts of item ${itemId}`).toEqual(attempts.map((_, index) => index + 1));
    for (const retry of ofItem) {
      if (retry.type !== 'item.retry_scheduled') continue;
      expect(attempts, `retry of item ${itemId}`).toContain(retry.data.nextAttempt);
    }
  }
  const peaks = inFlightPeaks(events);
  expect(peaks.overlaps).toBe(0);
  expect(peaks.global).toBeLessThanOrEqual(GLOBAL_LIMIT);
  expect(peaks.byBatch.get(batchId)).toBeLessThanOrEqual(5);
  for (const peak of peaks.byHost.values()) expect(peak).toBeLessThanOrEqual(3);
}

describe('scheduler faults', () => {
  let stack: TestStack;
  let workers: FakeWorkers;
  const schedulers: TestScheduler[] = [];

  beforeEach(async () => {
    stack = await startStack(GLOBAL_LIMIT);
    let counter = 0;
    workers = await startFakeWorkers(stack.connection, stack.js, {
      concurrency: GLOBAL_LIMIT,
      decide: (work) => {
        counter += 1;
        const delayMs = 20 + (counter % 5) * 15;
        if (work.attempt === 1 && counter % 4 === 0) {
          return { kind: 'fail', code: 'PAGE_SERVER_ERROR', retryable: true, delayMs };
        }
        return { kind: 'succeed', delayMs };
      },
    });
  });

  afterEach(async () => {
    await workers.stop();
    for (const scheduler of schedulers.splice(0)) {
      if (!scheduler.connection.isClosed()) await scheduler.stop();
    }
    await stack.stop();
  });

  const hostOf = (index: number) => (index % 2 === 0 ? 'even.test' : 'odd.test');
  const succeeded = (batchId: string) => stack.events.ofType('item.succeeded', batchId).length;

  it('loses nothing when killed and started again', async () => {
    const first = await startTestScheduler(stack, testConfig(stack, limits));
    schedulers.push(first);
    const { batchId, itemIds } = await createBatch(stack.js, { itemCount: 120, hostOf });
    await answerOf(stack.events, await sendControl(stack.js, batchId, 'start'));
    await stack.events.waitUntil(() => succeeded(batchId) >= 30, 'thirty successes');

    await first.kill();
    const killedAtSeq = stack.events.events.at(-1)!.seq;
    const second = await startTestScheduler(stack, testConfig(stack, limits));
    schedulers.push(second);
    const finished = await stack.events.waitFor(
      'batch.finished',
      (e) => e.batchId === batchId,
      60_000,
    );

    expect(finished.data.succeeded).toBe(120);
    expectNothingLost(stack.events.events, batchId, itemIds);
    const retriedAfterKill = stack.events
      .ofType('item.dispatched', batchId)
      .filter((event) => event.seq > killedAtSeq && event.data.attempt > 1);
    expect(retriedAfterKill.length).toBeGreaterThan(0);
  });

  it('standby takes over within lease TTL plus renew interval', async () => {
    const active = await startTestScheduler(stack, testConfig(stack, limits));
    schedulers.push(active);
    await waitUntil(() => active.handle.isActive(), 'first replica active');
    const standby = await startTestScheduler(stack, testConfig(stack, limits));
    schedulers.push(standby);
    const { batchId, itemIds } = await createBatch(stack.js, { itemCount: 80, hostOf });
    await answerOf(stack.events, await sendControl(stack.js, batchId, 'start'));
    await stack.events.waitUntil(() => succeeded(batchId) >= 20, 'twenty successes');
    expect(standby.handle.isActive()).toBe(false);

    await active.kill();
    const killedAtMs = Date.now();
    await waitUntil(() => standby.handle.isActive(), 'standby active', 10_000);
    const takeoverMs = Date.now() - killedAtMs;
    console.info(`failover: standby active ${takeoverMs} ms after the active replica died`);
    // The margin covers the catch-up with the event stream and timer delays on a busy machine.
    expect(takeoverMs).toBeLessThanOrEqual(LEASE_TTL_MS + LEASE_RENEW_MS + 1_000);

    const finished = await stack.events.waitFor(
      'batch.finished',
      (e) => e.batchId === batchId,
      60_000,
    );
    expect(finished.data.succeeded).toBe(80);
    expectNothingLost(stack.events.events, batchId, itemIds);
  });

  it('restores a work message lost in a crash', async () => {
    // A replica that died after publishing item.dispatched but before its work message.
    const { batchId, itemIds } = await createBatch(stack.js, { itemCount: 1, hostOf });
    const itemId = itemIds[0]!;
    const scope = { source: 'scheduler' as const, batchId };
    await publishEvent(stack.js, createEvent('batch.started', scope, { maxConcurrency: 5 }));
    await publishEvent(
      stack.js,
      createEvent(
        'item.dispatched',
        { ...scope, itemId, attempt: 1 },
        { attempt: 1, verifyFirst: false },
      ),
    );

    const scheduler = await startTestScheduler(stack, testConfig(stack, limits));
    schedulers.push(scheduler);
    const finished = await stack.events.waitFor('batch.finished', (e) => e.batchId === batchId);

    expect(finished.data.succeeded).toBe(1);
    expect(workers.received.map((work) => [work.itemId, work.attempt])).toEqual([[itemId, 1]]);
    expect(stack.events.ofType('item.dispatched', batchId)).toHaveLength(1);
  });

  it('finishes a batch across a NATS server restart', async () => {
    const scheduler = await startTestScheduler(stack, testConfig(stack, limits));
    schedulers.push(scheduler);
    const { batchId, itemIds } = await createBatch(stack.js, { itemCount: 60, hostOf });
    await answerOf(stack.events, await sendControl(stack.js, batchId, 'start'));
    await stack.events.waitUntil(() => succeeded(batchId) >= 15, 'fifteen successes');

    await stack.server.restart('SIGKILL');
    const finished = await stack.events.waitFor(
      'batch.finished',
      (e) => e.batchId === batchId,
      60_000,
    );
    expect(finished.data.succeeded).toBe(60);
    expectNothingLost(stack.events.events, batchId, itemIds);
  });

  it('loses nothing after SIGKILL of a scheduler process', async () => {
    const healthPort = await findFreePort();
    const child = spawnScheduler(stack.server.url, healthPort);
    try {
      await waitUntil(() => isActive(healthPort), 'scheduler process active', 30_000);
      const metrics = await fetch(`http://127.0.0.1:${healthPort}/metrics`).then((r) => r.text());
      expect(metrics).toContain('orderflow_scheduler_active{service="scheduler"} 1');
      const { batchId, itemIds } = await createBatch(stack.js, { itemCount: 60, hostOf });
      await answerOf(stack.events, await sendControl(stack.js, batchId, 'start'));
      await stack.events.waitUntil(() => succeeded(batchId) >= 15, 'fifteen successes');
      child.kill('SIGKILL');

      const replacement = await startTestScheduler(stack, testConfig(stack, limits));
      schedulers.push(replacement);
      const finished = await stack.events.waitFor(
        'batch.finished',
        (e) => e.batchId === batchId,
        60_000,
      );
      expect(finished.data.succeeded).toBe(60);
      expectNothingLost(stack.events.events, batchId, itemIds);
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
  });
});

function spawnScheduler(natsUrl: string, healthPort: number): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: SCHEDULER_DIR,
    env: {
      ...process.env,
      ...limits,
      NATS_URL: natsUrl,
      HEALTH_PORT: String(healthPort),
      LOG_LEVEL: 'warn',
      SCHEDULER_REPLICA_ID: 'child-process',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}

async function isActive(healthPort: number): Promise<boolean> {
  try {
    const response = await fetch(`http://127.0.0.1:${healthPort}/readyz`);
    const body = (await response.json()) as { active?: boolean };
    return body.active === true;
  } catch {
    return false;
  }
}

async function waitUntil(
  condition: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 5_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
