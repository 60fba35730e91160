import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jetstream } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { API_BASE_PATH, newId, subjects } from '@orderflow/contracts';
import {
  createTestDatabase,
  findFreePort,
  type NatsServerHandle,
  startNatsServer,
  type TestDatabase,
} from '@orderflow/harness';
import { encodeJson, provisionJetStream } from '@orderflow/service-kit';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { type GatewayHandle, startGateway } from '../src/index';
import { BatchScript, eventually, log, readJson, TEST_TOKEN, testConfig } from './gateway-fixture';

let storeDir: string;
let port: number;
let nats: NatsServerHandle | undefined;
let database: TestDatabase;
let connection: NatsConnection;
let gateway: GatewayHandle;

beforeAll(async () => {
  storeDir = await mkdtemp(join(tmpdir(), 'gateway-nats-outage-'));
  port = await findFreePort();
  nats = await startNatsServer({ port, storeDir });
  database = await createTestDatabase();
  connection = await connect({
    servers: nats.url,
    maxReconnectAttempts: -1,
    reconnectTimeWait: 100,
  });
  await provisionJetStream(connection, log);
  gateway = await startGateway(
    testConfig(database.url, { NATS_REQUEST_TIMEOUT_MS: '500', COMMAND_WAIT_MS: '500' }),
    { connection, log },
  );
});

afterAll(async () => {
  await gateway?.stop();
  await connection?.close();
  await nats?.stop();
  await database?.drop();
  await rm(storeDir, { recursive: true, force: true });
});

function request(path: string, init: RequestInit = {}) {
  return fetch(`${gateway.url}${path}`, {
    ...init,
    headers: { authorization: `Bearer ${TEST_TOKEN}`, 'content-type': 'application/json' },
  });
}

async function publish(...events: ReturnType<BatchScript['event']>[]) {
  const js = jetstream(connection);
  for (const event of events) {
    await js.publish(subjects.event(event.batchId, event.type), encodeJson(event), {
      msgID: event.id,
    });
  }
}

test('NATS outage returns 503, then recovers', async () => {
  const script = new BatchScript(newId(), 2);
  await publish(...script.imported());
  await eventually(
    () => request(`${API_BASE_PATH}/${script.batchId}`),
    (response) => response.status === 200,
  );

  await nats!.stop();
  nats = undefined;
  await eventually(
    () => fetch(`${gateway.url}/readyz`),
    (response) => response.status === 503,
  );
  const read = await request(`${API_BASE_PATH}/${script.batchId}`);
  expect(read.status).toBe(200);
  const start = await request(`${API_BASE_PATH}/${script.batchId}/control`, {
    method: 'POST',
    body: JSON.stringify({ action: 'start' }),
  });
  expect(start.status).toBe(503);
  expect((await readJson(start)).error.code).toBe('MESSAGING_UNAVAILABLE');
  expect((await readJson(await fetch(`${gateway.url}/readyz`))).nats).toBe('disconnected');

  nats = await startNatsServer({ port, storeDir });
  await eventually(
    () => fetch(`${gateway.url}/readyz`),
    (response) => response.status === 200,
    20_000,
  );
  await publish(script.item('item.skipped', 1, { reason: 'checked by hand' }));
  const batch = await eventually(
    async () => readJson(await request(`${API_BASE_PATH}/${script.batchId}`)),
    (body) => body.counts?.skipped === 1,
    30_000,
  );
  expect(batch.counts.pending).toBe(1);
});
