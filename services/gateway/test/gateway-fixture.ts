import { jetstream } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import {
  type CreateEventOptions,
  createEvent,
  deriveItemId,
  type EventType,
  type OrderflowEvent,
  subjects,
} from '@orderflow/contracts';
import {
  createTestDatabase,
  type NatsServerHandle,
  startNatsServer,
  type TestDatabase,
} from '@orderflow/harness';
import { createLogger, encodeJson, parseConfig, provisionJetStream } from '@orderflow/service-kit';
import type { z } from 'zod';
import { configSchema } from '../src/config';
import { type GatewayDeps, type GatewayHandle, startGateway } from '../src/index';

/** Token the fixture configures, with the label `tester`. */
export const TEST_TOKEN = 'test-token-0123456789';

export const log = createLogger('gateway-test', process.env.TEST_LOG_LEVEL ?? 'silent');

/** A gateway on a real nats-server and a throwaway Postgres database. */
export interface GatewayFixture {
  nats: NatsServerHandle;
  database: TestDatabase;
  connection: NatsConnection;
  gateway: GatewayHandle;
  /** Sends a request with the test token unless `headers.authorization` is given. */
  request(path: string, init?: RequestInit): Promise<Response>;
  /** Publishes events as other services would, in order, awaiting each ack. */
  publish(...events: OrderflowEvent[]): Promise<number[]>;
  /** Restarts the gateway on the same database and NATS. */
  restart(overrides?: Record<string, string>): Promise<void>;
  close(): Promise<void>;
}

/** Parses the gateway configuration from a test environment. */
export function testConfig(databaseUrl: string, overrides: Record<string, string> = {}) {
  return parseConfig(configSchema, {
    PORT: '0',
    HOST: '127.0.0.1',
    DATABASE_URL: databaseUrl,
    API_TOKENS: `tester:${TEST_TOKEN}`,
    IMPORT_WAIT_MS: '3000',
    COMMAND_WAIT_MS: '3000',
    PROJECTION_WAIT_MS: '3000',
    LOG_LEVEL: 'silent',
    ...overrides,
  });
}

/** Starts NATS, a database and the gateway. */
export async function startGatewayFixture(
  overrides: Record<string, string> = {},
  deps: Partial<GatewayDeps> = {},
): Promise<GatewayFixture> {
  const nats = await startNatsServer();
  const database = await createTestDatabase();
  const connection = await connect({ servers: nats.url });
  await provisionJetStream(connection, log);
  const js = jetstream(connection);
  let gateway = await startGateway(testConfig(database.url, overrides), {
    connection,
    log,
    ...deps,
  });

  const fixture: GatewayFixture = {
    nats,
    database,
    connection,
    get gateway() {
      return gateway;
    },
    request(path, init = {}) {
      const headers = new Headers(init.headers);
      if (!headers.has('authorization')) headers.set('authorization', `Bearer ${TEST_TOKEN}`);
      return fetch(`${gateway.url}${path}`, { ...init, headers });
    },
    async publish(...events) {
      const seqs: number[] = [];
      for (const event of events) {
        const ack = await js.publish(subjects.event(event.batchId, event.type), encodeJson(event), {
          msgID: event.id,
        });
        seqs.push(ack.seq);
      }
      return seqs;
    },
    async restart(restartOverrides = {}) {
      await gateway.stop();
      gateway = await startGateway(
        testConfig(database.url, { ...overrides, ...restartOverrides }),
        { connection, log, ...deps },
      );
    },
    async close() {
      await gateway.stop();
      await connection.close();
      await nats.stop();
      await database.drop();
    },
  };
  return fixture;
}

/** Builds events of one batch as the importer, scheduler and workers would publish them. */
export class BatchScript {
  /**
   * @param orderUrlBase links of the items are this base, a slash and the item index
   */
  constructor(
    readonly batchId: string,
    readonly itemCount: number,
    readonly orderUrlBase = 'https://shop.test/orders',
  ) {}

  itemId(index: number): string {
    return deriveItemId(this.batchId, index);
  }

  event<T extends EventType>(
    type: T,
    data: z.input<typeof import('@orderflow/contracts').EVENT_DATA[T]>,
    options: Partial<CreateEventOptions> = {},
  ): OrderflowEvent<T> {
    const source =
      type.startsWith('item.attempt') || type === 'item.effect_started'
        ? 'browser-worker'
        : type === 'batch.items_added' ||
            type === 'batch.created' ||
            type === 'batch.import_rejected'
          ? 'importer'
          : 'scheduler';
    return createEvent(type, { source, batchId: this.batchId, ...options }, data);
  }

  itemsAdded(chunk = 0, from = 0, to = this.itemCount, extra: Record<string, string> = {}) {
    const items = [];
    for (let index = from; index < to; index += 1) {
      items.push({
        itemId: this.itemId(index),
        index,
        row: index + 2,
        orderUrl: `${this.orderUrlBase}/${index}`,
        amount: `${index + 1}.50`,
        extra,
      });
    }
    return this.event('batch.items_added', { chunk, items });
  }

  created(
    options: {
      causationId?: string;
      columns?: string[];
      name?: string;
      source?: { kind: 'json' | 'xlsx' | 'csv'; fileName?: string };
    } = {},
  ) {
    return this.event(
      'batch.created',
      {
        name: options.name ?? 'test batch',
        itemCount: this.itemCount,
        chunkCount: 1,
        source: options.source ?? { kind: 'json' },
        columns: options.columns ?? ['order_url', 'amount'],
        skippedRows: [],
        skippedCount: 0,
      },
      options.causationId ? { causationId: options.causationId } : {},
    );
  }

  /** Items added in one chunk, then the batch created. */
  imported(
    options: {
      causationId?: string;
      columns?: string[];
      extra?: Record<string, string>;
      source?: { kind: 'json' | 'xlsx' | 'csv'; fileName?: string };
    } = {},
  ) {
    return [this.itemsAdded(0, 0, this.itemCount, options.extra ?? {}), this.created(options)];
  }

  item<T extends EventType>(
    type: T,
    index: number,
    data: z.input<typeof import('@orderflow/contracts').EVENT_DATA[T]>,
    attempt?: number,
  ): OrderflowEvent<T> {
    return this.event(type, data, {
      itemId: this.itemId(index),
      ...(attempt === undefined ? {} : { attempt }),
    });
  }
}

/** Polls `read` until `accept` holds for its result; fails after `timeoutMs`. */
export async function eventually<T>(
  read: () => Promise<T>,
  accept: (value: T) => boolean,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (accept(value)) return value;
    if (Date.now() > deadline) {
      const last = JSON.stringify(value)?.slice(0, 500);
      throw new Error(`condition not met within ${timeoutMs} ms; last value: ${last}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** A batch detail as the API returns it, loosely typed for assertions. */
// biome-ignore lint/suspicious/noExplicitAny: test assertions read many nested fields.
export type BatchBody = Record<string, any>;

/** Reads a batch through the API until `accept` holds. */
export async function batchWhen(
  fixture: GatewayFixture,
  batchId: string,
  accept: (batch: BatchBody) => boolean = () => true,
): Promise<BatchBody> {
  const batch = await eventually(
    async () => {
      const response = await fixture.request(`/api/v1/batch-tasks/${batchId}`);
      return response.status === 200 ? ((await response.json()) as BatchBody) : undefined;
    },
    (body) => body !== undefined && accept(body),
  );
  return batch!;
}

/** Takes the next command from a durable consumer of the commands stream, as a service would. */
export async function takeCommand(
  fixture: GatewayFixture,
  consumerName: string,
  timeoutMs = 5_000,
): Promise<Record<string, unknown>> {
  const js = jetstream(fixture.connection);
  const consumer = await js.consumers.get('ORDERFLOW_COMMANDS', consumerName);
  const message = await consumer.next({ expires: timeoutMs });
  if (!message) throw new Error(`no command for ${consumerName} within ${timeoutMs} ms`);
  message.ack();
  return message.json<Record<string, unknown>>();
}

/** Reads a JSON response body, loosely typed for assertions. */
export async function readJson(response: Response): Promise<BatchBody> {
  return (await response.json()) as BatchBody;
}
