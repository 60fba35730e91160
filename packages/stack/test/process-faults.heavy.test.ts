import { afterAll, beforeAll, expect, test } from 'vitest';
import {
  expectEveryOrderOnce,
  expectReadModelMatchesHistory,
  startStandardBatch,
} from './support/batch-checks';
import { type E2eStack, FAULT_ENV, printLogsOnFailure, startE2eStack } from './support/e2e-stack';
import { ofType, type StoredEvent } from './support/event-history';
import { runningAttempts } from './support/history-checks';

const BATCH_SIZE = 16;

let e2e: E2eStack;

beforeAll(async () => {
  e2e = await startE2eStack({ workers: 2, env: FAULT_ENV });
});

printLogsOnFailure(() => e2e);

afterAll(async () => {
  await e2e?.stop();
});

function successes(events: StoredEvent[]): number {
  return ofType(events, 'item.succeeded').length;
}

test('worker SIGKILL loses and repeats nothing', async () => {
  const victim = e2e.stack.processes.get('worker-1')!;
  const onVictim = (events: StoredEvent[]) =>
    [...runningAttempts(events)].filter(([, workerId]) => workerId.endsWith(`-${victim.pid}`));
  const batchId = await startStandardBatch(e2e, 'wk', BATCH_SIZE, 1_500);
  const before = await e2e.history.waitUntil(
    batchId,
    (events) => successes(events) >= 2 && onVictim(events).length > 0,
    'two successes and an attempt running on worker-1',
  );

  await victim.stop('SIGKILL');
  const lostAttempts = onVictim(before).map(([key]) => key);
  const events = await expectEveryOrderOnce(e2e, batchId);

  const latestLost = lostAttempts.filter((key) => {
    const [itemId, attempt] = key.split(':');
    return !events.some(
      (event) =>
        event.type === 'item.attempt_succeeded' &&
        event.itemId === itemId &&
        event.data.attempt === Number(attempt),
    );
  });
  expect(latestLost.length, 'attempts cut off by the kill').toBeGreaterThan(0);
  for (const key of latestLost) {
    const [itemId, attempt] = key.split(':') as [string, string];
    const history = await e2e.api.attempts(itemId);
    expect(history.length, `attempts of ${itemId}`).toBeGreaterThan(Number(attempt));
    const lost = history.find((entry) => entry.attempt === Number(attempt))!;
    expect(['timed_out', 'failed'], `status of lost attempt ${key}`).toContain(lost.status);
    expect(history.at(-1)!.status, `last attempt of ${itemId}`).toBe('succeeded');
  }
  await e2e.stack.restart('worker-1');
});

test('scheduler SIGKILL and restart lose nothing', async () => {
  const batchId = await startStandardBatch(e2e, 'sk', BATCH_SIZE, 800);
  await e2e.history.waitUntil(batchId, (events) => successes(events) >= 3, 'three successes');

  await e2e.stack.processes.get('scheduler')!.stop('SIGKILL');
  const atKill = await e2e.history.read(batchId);
  await e2e.stack.restart('scheduler');
  const events = await expectEveryOrderOnce(e2e, batchId);

  const lastSeqAtKill = atKill.at(-1)!.seq;
  const dispatchedAfter = ofType(events, 'item.dispatched').filter(
    (event) => event.seq > lastSeqAtKill,
  );
  expect(dispatchedAfter.length, 'dispatches by the restarted scheduler').toBeGreaterThan(0);
  expect(ofType(events, 'batch.finished')).toHaveLength(1);
});

test('gateway restart projects what it missed', async () => {
  const batchId = await startStandardBatch(e2e, 'gw', BATCH_SIZE, 800);
  await e2e.api.waitForBatch(batchId, (batch) => batch.counts.success >= 3, 'three successes');

  await e2e.stack.processes.get('gateway')!.stop('SIGTERM');
  const atStop = successes(await e2e.history.read(batchId));
  await e2e.history.waitUntil(
    batchId,
    (events) => successes(events) >= atStop + 3,
    'three more successes while the gateway is down',
  );
  await e2e.stack.restart('gateway');

  await expectEveryOrderOnce(e2e, batchId);
  await expectReadModelMatchesHistory(e2e, batchId);
});
