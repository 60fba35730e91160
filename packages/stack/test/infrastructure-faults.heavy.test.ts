import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findFreePort, type PostgresServer, startEmbeddedPostgres } from '@orderflow/harness';
import pg from 'pg';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { pollUntil } from './support/api-client';
import {
  expectEveryOrderOnce,
  expectReadModelMatchesHistory,
  startStandardBatch,
} from './support/batch-checks';
import { type E2eStack, FAULT_ENV, printLogsOnFailure, startE2eStack } from './support/e2e-stack';
import { ofType, type StoredEvent } from './support/event-history';

const BATCH_SIZE = 16;

let postgresDir: string;
let postgresPort: number;
let postgres: PostgresServer | undefined;
let e2e: E2eStack;

beforeAll(async () => {
  // An embedded Postgres of its own, so that the test can stop it and start it again on the
  // same data folder and port while the gateway keeps running.
  postgresDir = await mkdtemp(join(tmpdir(), 'orderflow-e2e-pg-'));
  postgresPort = await findFreePort();
  postgres = await startEmbeddedPostgres({ dataDir: postgresDir, port: postgresPort });
  e2e = await startE2eStack({
    workers: 2,
    env: FAULT_ENV,
    databaseUrl: postgres.adminUrl,
  });
});

printLogsOnFailure(() => e2e);

afterAll(async () => {
  await e2e?.stop();
  await postgres?.stop();
  if (postgresDir) await rm(postgresDir, { recursive: true, force: true });
});

function successes(events: StoredEvent[]): number {
  return ofType(events, 'item.succeeded').length;
}

/**
 * Returns the stream sequences of the projected events that committed in an earlier Postgres
 * transaction than an event before them in the stream. Empty when the projector applied the
 * stream in order.
 */
async function eventsCommittedOutOfOrder(databaseUrl: string): Promise<number[]> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ seq: string; xid: string }>(
      'SELECT seq::text AS seq, xmin::text AS xid FROM event_log ORDER BY event_log.seq',
    );
    let highestXid = 0;
    const outOfOrder: number[] = [];
    for (const row of rows) {
      const xid = Number(row.xid);
      if (xid < highestXid) outOfOrder.push(Number(row.seq));
      highestXid = Math.max(highestXid, xid);
    }
    return outOfOrder;
  } finally {
    await client.end();
  }
}

function expectServicesRunning(): void {
  for (const [name, service] of e2e.stack.processes) {
    expect(service.child.exitCode, `exit code of ${name}`).toBeNull();
    expect(service.child.signalCode, `signal of ${name}`).toBeNull();
  }
}

test('nats-server restart mid-batch loses nothing', async () => {
  const batchId = await startStandardBatch(e2e, 'nr', BATCH_SIZE, 800);
  await e2e.history.waitUntil(batchId, (events) => successes(events) >= 3, 'three successes');

  await e2e.nats.restart('SIGKILL');
  await expectEveryOrderOnce(e2e, batchId);
  await expectReadModelMatchesHistory(e2e, batchId);
  expect(await eventsCommittedOutOfOrder(e2e.stack.databaseUrl)).toEqual([]);
  expectServicesRunning();
});

test('Postgres outage answers 503 and catches up', async () => {
  const batchId = await startStandardBatch(e2e, 'pg', BATCH_SIZE, 800);
  await e2e.api.waitForBatch(batchId, (batch) => batch.counts.success >= 3, 'three successes');

  await postgres!.stop();
  postgres = undefined;
  for (const path of [`/${batchId}`, `/${batchId}/items`, '/stats']) {
    const response = await e2e.api.fetch(path);
    expect(response.status, `status of GET ${path}`).toBe(503);
    const body = (await response.json()) as { error: { code: string } };
    expect(body.error.code, `error code of GET ${path}`).toBe('READ_MODEL_UNAVAILABLE');
  }
  // The batch goes on without the read model: the scheduler and workers need only NATS.
  await e2e.history.waitUntil(
    batchId,
    (events) => ofType(events, 'batch.finished').length > 0,
    'batch to finish while Postgres is down',
    90_000,
  );
  expect((await e2e.api.fetch(`/${batchId}`)).status).toBe(503);

  postgres = await startEmbeddedPostgres({ dataDir: postgresDir, port: postgresPort });
  // The first completed state a reader sees must already carry the exact counts.
  const caughtUp = await pollUntil(
    () => e2e.api.batch(batchId),
    (batch) => batch.status === 'completed',
    'read model to catch up',
    60_000,
  );
  expect(caughtUp.counts).toEqual({
    pending: 0,
    processing: 0,
    success: BATCH_SIZE,
    failed: 0,
    skipped: 0,
  });
  await expectEveryOrderOnce(e2e, batchId);
  await expectReadModelMatchesHistory(e2e, batchId);
  expect(await eventsCommittedOutOfOrder(e2e.stack.databaseUrl)).toEqual([]);
  expectServicesRunning();
});
