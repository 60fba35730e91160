import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import {
  API_BASE_PATH,
  EVENTS_STREAM,
  newId,
  type OrderflowEvent,
  PROJECTOR_CONSUMER,
  subjects,
} from '@orderflow/contracts';
import { createTestDatabase, findFreePort, startNatsServer, waitForPort } from '@orderflow/harness';
import { encodeJson, provisionJetStream } from '@orderflow/service-kit';
import { createDatabase, migrateToLatest } from '../src/db/database';
import { Projector } from '../src/projector/projector';
import { BatchScript, log, TEST_TOKEN } from '../test/gateway-fixture';

/** Result of {@link runApiLatencyBenchmark}. */
export interface ApiLatencyResult {
  name: 'gateway GET batch detail';
  items: number;
  targetRatePerSecond: number;
  requests: number;
  errors: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

/** Result of {@link runProjectionCatchUpBenchmark}. */
export interface ProjectionCatchUpResult {
  name: 'gateway projection catch-up';
  events: number;
  seconds: number;
  eventsPerSecond: number;
}

const ITEMS_PER_CHUNK = 2_000;
const MAIN_PATH = fileURLToPath(new URL('../src/main.ts', import.meta.url));
const PUBLISH_WINDOW = 500;

async function publishAll(connection: NatsConnection, events: OrderflowEvent[]): Promise<void> {
  const js = jetstream(connection);
  for (let start = 0; start < events.length; start += PUBLISH_WINDOW) {
    const window = events.slice(start, start + PUBLISH_WINDOW);
    await Promise.all(
      window.map((event) =>
        js.publish(subjects.event(event.batchId, event.type), encodeJson(event), {
          msgID: event.id,
        }),
      ),
    );
  }
}

function importEvents(script: BatchScript): OrderflowEvent[] {
  const events: OrderflowEvent[] = [];
  for (let from = 0; from < script.itemCount; from += ITEMS_PER_CHUNK) {
    const to = Math.min(from + ITEMS_PER_CHUNK, script.itemCount);
    events.push(script.itemsAdded(from / ITEMS_PER_CHUNK, from, to));
  }
  events.push(script.created());
  return events;
}

function percentile(sorted: number[], fraction: number): number {
  const index = Math.min(sorted.length - 1, Math.ceil(sorted.length * fraction) - 1);
  return Math.round((sorted[Math.max(0, index)] ?? 0) * 100) / 100;
}

/**
 * Measures GET batch detail latency at a fixed arrival rate (open loop: requests start on
 * schedule whether or not earlier ones finished) with a 100,000-item batch in the read model.
 */
export async function runApiLatencyBenchmark(
  options: { items?: number; ratePerSecond?: number; durationSeconds?: number } = {},
): Promise<ApiLatencyResult> {
  const items = options.items ?? 100_000;
  const rate = options.ratePerSecond ?? 200;
  const durationSeconds = options.durationSeconds ?? 15;
  const nats = await startNatsServer();
  const database = await createTestDatabase();
  const connection = await connect({ servers: nats.url });
  try {
    await provisionJetStream(connection, log);
    const gateway = await spawnGateway(nats.url, database.url);
    try {
      const script = new BatchScript(newId(), items);
      await publishAll(connection, importEvents(script));
      await waitForBatch(gateway.url, script.batchId);
      const url = `${gateway.url}${API_BASE_PATH}/${script.batchId}`;
      await measureLatency(url, rate, 2);
      return {
        name: 'gateway GET batch detail',
        items,
        targetRatePerSecond: rate,
        ...(await measureLatency(url, rate, durationSeconds)),
      };
    } finally {
      await gateway.stop();
    }
  } finally {
    await connection.close();
    await nats.stop();
    await database.drop();
  }
}

/**
 * Runs the gateway as its own process, as in production, so that the load generator in this
 * process does not compete with it for one event loop.
 */
async function spawnGateway(natsUrl: string, databaseUrl: string) {
  const port = await findFreePort();
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN_PATH], {
    env: {
      ...process.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      NATS_URL: natsUrl,
      DATABASE_URL: databaseUrl,
      API_TOKENS: `bench:${TEST_TOKEN}`,
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  await waitForPort(port, 30_000);
  return {
    url,
    stop: () =>
      new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

async function waitForBatch(baseUrl: string, batchId: string): Promise<void> {
  for (;;) {
    const response = await fetch(`${baseUrl}${API_BASE_PATH}/${batchId}`, {
      headers: { authorization: `Bearer ${TEST_TOKEN}` },
    });
    if (response.status === 200) return;
    await response.arrayBuffer();
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

async function measureLatency(url: string, rate: number, durationSeconds: number) {
  const total = rate * durationSeconds;
  const intervalMs = 1_000 / rate;
  const latencies: number[] = [];
  let errors = 0;
  const startedAt = performance.now();
  const requests: Promise<void>[] = [];
  for (let index = 0; index < total; index += 1) {
    const due = startedAt + index * intervalMs;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    requests.push(
      (async () => {
        const sentAt = performance.now();
        try {
          const response = await fetch(url, {
            headers: { authorization: `Bearer ${TEST_TOKEN}` },
          });
          await response.arrayBuffer();
          latencies.push(performance.now() - sentAt);
          if (response.status !== 200) errors += 1;
        } catch {
          // A reset connection counts as an error, like a failed status.
          errors += 1;
        }
      })(),
    );
  }
  await Promise.all(requests);
  latencies.sort((a, b) => a - b);
  return {
    requests: latencies.length,
    errors,
    p50Ms: percentile(latencies, 0.5),
    p99Ms: percentile(latencies, 0.99),
    maxMs: percentile(latencies, 1),
  };
}

/**
 * Publishes the events of a batch while no projector runs (import, then dispatch, attempt
 * start, attempt success and item success per item), then starts a projector and measures
 * how fast it catches up.
 */
export async function runProjectionCatchUpBenchmark(
  options: { items?: number; batchSize?: number } = {},
): Promise<ProjectionCatchUpResult> {
  const items = options.items ?? 20_000;
  const nats = await startNatsServer();
  const database = await createTestDatabase();
  const connection = await connect({ servers: nats.url });
  const db = createDatabase({ url: database.url, log });
  try {
    await provisionJetStream(connection, log);
    await migrateToLatest(db, log);
    const script = new BatchScript(newId(), items);
    const events = importEvents(script);
    for (let index = 0; index < items; index += 1) {
      events.push(
        script.item('item.dispatched', index, { attempt: 1, verifyFirst: false }),
        script.item('item.attempt_started', index, { attempt: 1, workerId: 'w', recipe: 'bench' }),
        script.item('item.attempt_succeeded', index, {
          attempt: 1,
          orderNumber: `N${index}`,
          finalOrderUrl: 'https://shop.test/done',
          timings: { totalMs: 800 },
        }),
        script.item('item.succeeded', index, {
          attempt: 1,
          orderNumber: `N${index}`,
          finalOrderUrl: 'https://shop.test/done',
        }),
      );
    }
    await publishAll(connection, events);
    const jsm = await jetstreamManager(connection);
    const lastSeq = (await jsm.streams.info(EVENTS_STREAM.name)).state.last_seq;

    const startedAt = performance.now();
    const projector = new Projector({
      connection,
      db,
      log,
      consumerName: PROJECTOR_CONSUMER.durable_name,
      ...(options.batchSize ? { batchSize: options.batchSize } : {}),
    });
    await projector.start();
    for (;;) {
      const row = await db
        .selectFrom('event_log')
        .select((eb) => eb.fn.max('seq').as('max'))
        .executeTakeFirstOrThrow();
      if (Number(row.max) >= lastSeq) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const seconds = (performance.now() - startedAt) / 1_000;
    await projector.stop();
    return {
      name: 'gateway projection catch-up',
      events: events.length,
      seconds: Math.round(seconds * 100) / 100,
      eventsPerSecond: Math.round(events.length / seconds),
    };
  } finally {
    await db.destroy();
    await connection.close();
    await nats.stop();
    await database.drop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(JSON.stringify(await runProjectionCatchUpBenchmark(), null, 2));
  console.log(JSON.stringify(await runApiLatencyBenchmark(), null, 2));
  process.exit(0);
}
