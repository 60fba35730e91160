import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jetstream } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { API_BASE_PATH, newId, subjects } from '@orderflow/contracts';
import {
  findFreePort,
  type NatsServerHandle,
  type PostgresServer,
  startEmbeddedPostgres,
  startNatsServer,
} from '@orderflow/harness';
import { encodeJson, provisionJetStream } from '@orderflow/service-kit';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { type GatewayHandle, startGateway } from '../src/index';
import { BatchScript, eventually, log, readJson, TEST_TOKEN, testConfig } from './gateway-fixture';

let dataDir: string;
let port: number;
let postgres: PostgresServer | undefined;
let nats: NatsServerHandle;
let connection: NatsConnection;
let gateway: GatewayHandle;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'gateway-outage-'));
  port = await findFreePort();
  postgres = await startEmbeddedPostgres({ dataDir, port });
  nats = await startNatsServer();
  connection = await connect({ servers: nats.url });
  await provisionJetStream(connection, log);
  gateway = await startGateway(testConfig(postgres.adminUrl, { IMPORT_WAIT_MS: '1000' }), {
    connection,
    log,
  });
});

afterAll(async () => {
  await gateway?.stop();
  await connection?.close();
  await nats?.stop();
  await postgres?.stop();
  await rm(dataDir, { recursive: true, force: true });
});

function get(path: string) {
  return fetch(`${gateway.url}${path}`, { headers: { authorization: `Bearer ${TEST_TOKEN}` } });
}

async function publish(...events: ReturnType<BatchScript['event']>[]) {
  const js = jetstream(connection);
  for (const event of events) {
    await js.publish(subjects.event(event.batchId, event.type), encodeJson(event), {
      msgID: event.id,
    });
  }
}

test('Postgres outage returns 503, then recovers', async () => {
  const script = new BatchScript(newId(), 3);
  await publish(...script.imported());
  await eventually(
    () => get(`${API_BASE_PATH}/${script.batchId}`),
    (response) => response.status === 200,
  );

  await postgres!.stop();
  postgres = undefined;
  const unavailable = await get(`${API_BASE_PATH}/${script.batchId}`);
  expect(unavailable.status).toBe(503);
  const body = await readJson(unavailable);
  expect(body.error.code).toBe('READ_MODEL_UNAVAILABLE');
  expect(body.error.message).toContain('Postgres');
  const notReady = await fetch(`${gateway.url}/readyz`);
  expect(notReady.status).toBe(503);
  expect((await readJson(notReady)).postgres).toBe('unreachable');

  const create = await fetch(`${gateway.url}${API_BASE_PATH}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TEST_TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      name: 'during outage',
      task_items: [{ order_url: 'https://a.test', amount: 1 }],
    }),
  });
  expect(create.status).toBe(202);
  expect(create.headers.get('location')).toMatch(new RegExp(`^${API_BASE_PATH}/`));

  await publish(
    script.event('batch.started', { maxConcurrency: 3 }),
    ...[0, 1, 2].map((index) =>
      script.item('item.succeeded', index, {
        attempt: 1,
        orderNumber: `O${index}`,
        finalOrderUrl: 'https://a.test',
      }),
    ),
    script.event('batch.finished', { status: 'completed', succeeded: 3, failed: 0, skipped: 0 }),
  );
  await eventually(
    async () => gateway.projector?.health.writing,
    (writing) => writing === false,
  );

  postgres = await startEmbeddedPostgres({ dataDir, port });
  const caughtUp = await eventually(
    async () => {
      const response = await get(`${API_BASE_PATH}/${script.batchId}`);
      return response.status === 200 ? readJson(response) : undefined;
    },
    (batch) => batch?.status === 'completed',
    30_000,
  );
  expect(caughtUp!.counts.success).toBe(3);
  expect(caughtUp!.progress).toBe(100);
  expect((await fetch(`${gateway.url}/readyz`)).status).toBe(200);
});
