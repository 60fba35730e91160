import { Writable } from 'node:stream';
import pino, { type Logger } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type BrowserWorker, startBrowserWorker } from '../src/index';
import { isAlive } from '../src/process-tree';
import {
  chromiumDescendants,
  log,
  publishWork,
  startEnvironment,
  type TestEnvironment,
  testConfig,
  waitForItemEvent,
  waitForOutcome,
  waitUntil,
  workFor,
} from './support';

let env: TestEnvironment;
let worker: BrowserWorker | undefined;

beforeAll(async () => {
  env = await startEnvironment();
});

afterEach(async () => {
  await worker?.stop();
  worker = undefined;
});

afterAll(async () => {
  await env?.close();
});

async function start(
  overrides: Record<string, string> = {},
  workerLog: Logger = log,
): Promise<BrowserWorker> {
  worker = await startBrowserWorker(testConfig(env.nats.url, overrides), {
    connection: env.connection,
    log: workerLog,
  });
  return worker;
}

/** Creates a logger that keeps the message of every line at info level and above. */
function recordingLog(): { log: Logger; messages: string[] } {
  const messages: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) {
        messages.push((JSON.parse(line) as { msg: string }).msg);
      }
      done();
    },
  });
  return { log: pino({ level: 'info' }, destination), messages };
}

/** Returns the pid of the Chromium browser process, the Chromium child of this process. */
function browserProcessPid(): number | undefined {
  return chromiumDescendants().find((entry) => entry.parentPid === process.pid)?.pid;
}

describe('worker lifecycle', () => {
  it('finishes a running attempt within the grace period', async () => {
    const running = await start({ SHUTDOWN_GRACE_MS: '15000' });
    const work = workFor(env.shop, '/orders/slow-300?amount=25.00&delayMs=1500');
    await publishWork(env.connection, work);
    await waitForItemEvent(env.events, work.itemId, 'item.attempt_started');
    const chromium = chromiumDescendants();
    expect(chromium.length).toBeGreaterThan(0);

    await running.stop();
    const outcome = await waitForOutcome(env.events, work, 1_000);
    expect(outcome.type).toBe('item.attempt_succeeded');
    expect(chromium.filter((entry) => isAlive(entry.pid))).toEqual([]);
  });

  it('hands back an attempt past the grace period', async () => {
    const running = await start({ SHUTDOWN_GRACE_MS: '500' });
    const work = workFor(env.shop, '/orders/hang-301');
    await publishWork(env.connection, work);
    await waitForItemEvent(env.events, work.itemId, 'item.attempt_started');
    const chromium = chromiumDescendants();

    const stoppingAt = Date.now();
    await running.stop();
    expect(Date.now() - stoppingAt).toBeLessThan(8_000);
    const outcome = await waitForOutcome(env.events, work, 1_000);
    expect(outcome.type).toBe('item.attempt_failed');
    if (outcome.type !== 'item.attempt_failed') return;
    expect(outcome.data.code).toBe('WORKER_SHUTDOWN');
    expect(outcome.data.retryable).toBe(true);
    expect(outcome.data.artifacts?.screenshot).toBeDefined();
    expect(chromium.filter((entry) => isAlive(entry.pid))).toEqual([]);
  });

  it('replaces a crashed browser', async () => {
    await start();
    const work = workFor(env.shop, '/orders/hang-302');
    await publishWork(env.connection, work);
    await waitForItemEvent(env.events, work.itemId, 'item.attempt_started');
    const crashedPid = await waitUntil(browserProcessPid, 5_000, 'the Chromium process');
    process.kill(crashedPid, 'SIGKILL');

    const outcome = await waitForOutcome(env.events, work, 10_000);
    expect(outcome.type).toBe('item.attempt_failed');
    if (outcome.type !== 'item.attempt_failed') return;
    expect(outcome.data.code).toBe('BROWSER_CRASHED');
    expect(outcome.data.retryable).toBe(true);

    const next = workFor(env.shop, '/orders/standard-303?amount=25.00');
    await publishWork(env.connection, next);
    const nextOutcome = await waitForOutcome(env.events, next);
    expect(nextOutcome.type).toBe('item.attempt_succeeded');
    expect(browserProcessPid()).not.toBe(crashedPid);
  });

  it('replaces the browser after its context limit', async () => {
    const recorded = recordingLog();
    await start({ BROWSER_MAX_CONTEXTS: '1', WORKER_CONCURRENCY: '1' }, recorded.log);
    const firstPid = browserProcessPid();
    for (const orderId of ['standard-304', 'standard-305']) {
      const work = workFor(env.shop, `/orders/${orderId}?amount=25.00`);
      await publishWork(env.connection, work);
      expect((await waitForOutcome(env.events, work)).type).toBe('item.attempt_succeeded');
    }
    const lastPid = await waitUntil(browserProcessPid, 5_000, 'the Chromium process');
    expect(lastPid).not.toBe(firstPid);
    await waitUntil(
      () => firstPid !== undefined && !isAlive(firstPid),
      5_000,
      'the old Chromium to exit',
    );
    expect(recorded.messages).toContain('replacing Chromium');
    expect(recorded.messages).not.toContain(
      'Chromium disconnected; the next attempt launches a new one',
    );
  });

  it('leaves no Chromium after stopping', async () => {
    const running = await start();
    expect(chromiumDescendants().length).toBeGreaterThan(0);
    await running.stop();
    expect(chromiumDescendants()).toEqual([]);
  });
});
