import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { isAlive } from '../src/process-tree';
import {
  chromiumDescendants,
  processesOfChromiumProfile,
  publishWork,
  startEnvironment,
  type TestEnvironment,
  waitForItemEvent,
  waitForOutcome,
  waitUntil,
  workFor,
} from './support';

const PACKAGE_DIR = fileURLToPath(new URL('..', import.meta.url));

let env: TestEnvironment;
let child: ChildProcess | undefined;

beforeAll(async () => {
  env = await startEnvironment();
});

afterEach(async () => {
  if (child && child.exitCode === null && child.signalCode === null) {
    const exited = new Promise((resolve) => child?.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }
  child = undefined;
});

afterAll(async () => {
  await env?.close();
});

/** Starts `src/main.ts` in one Node process (no tsx launcher), so its pid is the worker's. */
function startWorkerProcess(overrides: Record<string, string> = {}): ChildProcess {
  child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: PACKAGE_DIR,
    stdio: ['ignore', 'ignore', 'pipe'],
    env: {
      PATH: process.env.PATH,
      NATS_URL: env.nats.url,
      LOG_LEVEL: 'warn',
      CHROMIUM_CONFINE: 'true',
      ADDRESS_POLICY_ALLOW_HOSTS: '127.0.0.1',
      WORKER_CONCURRENCY: '1',
      SHUTDOWN_GRACE_MS: '1000',
      ...overrides,
    },
  });
  return child;
}

function exitOf(process: ChildProcess) {
  return new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    process.once('exit', (code, signal) => resolve({ code, signal }));
  });
}

async function startAttempt(worker: ChildProcess, orderPath: string) {
  const work = workFor(env.shop, orderPath);
  await publishWork(env.connection, work);
  await waitForItemEvent(env.events, work.itemId, 'item.attempt_started', 60_000);
  const chromium = await waitUntil(
    () => {
      const found = chromiumDescendants(worker.pid);
      return found.length > 0 ? found : undefined;
    },
    5_000,
    'Chromium processes of the worker',
  );
  return { work, chromium };
}

describe('worker process', () => {
  it('hands back work and exits on SIGTERM', async () => {
    const worker = startWorkerProcess();
    const exit = exitOf(worker);
    const { work, chromium } = await startAttempt(worker, '/orders/hang-400');
    const profileProcesses = processesOfChromiumProfile(chromium);

    worker.kill('SIGTERM');
    const outcome = await waitForOutcome(env.events, work, 15_000);
    expect(outcome.type).toBe('item.attempt_failed');
    if (outcome.type !== 'item.attempt_failed') return;
    expect(outcome.data.code).toBe('WORKER_SHUTDOWN');
    expect(outcome.data.retryable).toBe(true);
    expect(await exit).toEqual({ code: 0, signal: null });
    expect(profileProcesses.filter((pid) => isAlive(pid))).toEqual([]);
  });

  it('leaves no Chromium when killed', async () => {
    const worker = startWorkerProcess();
    const exit = exitOf(worker);
    const { chromium } = await startAttempt(worker, '/orders/hang-401');
    const profileProcesses = processesOfChromiumProfile(chromium);
    expect(profileProcesses.length).toBeGreaterThanOrEqual(chromium.length);

    worker.kill('SIGKILL');
    expect((await exit).signal).toBe('SIGKILL');
    const survivors = () => profileProcesses.filter((pid) => isAlive(pid));
    await waitUntil(() => survivors().length === 0, 10_000, 'Chromium processes to exit');
    expect(survivors()).toEqual([]);
  });
});
