import {
  type JetStreamClient,
  type JetStreamManager,
  jetstream,
  jetstreamManager,
} from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import {
  type BatchCommand,
  type ControlAction,
  createEvent,
  deriveItemId,
  type ImportedItem,
  newId,
  type OrderflowEvent,
  subjects,
} from '@orderflow/contracts';
import { type NatsServerHandle, startNatsServer } from '@orderflow/harness';
import { createLogger, encodeJson, parseConfig, provisionJetStream } from '@orderflow/service-kit';
import { type Config, configSchema } from '../../src/config';
import { type SchedulerHandle, startScheduler } from '../../src/scheduler';
import { EventLog } from './event-log';

export const testLog = createLogger('scheduler-test', process.env.TEST_LOG_LEVEL ?? 'silent');

/** A nats-server with provisioned streams, a client and a log of every event. */
export interface TestStack {
  server: NatsServerHandle;
  connection: NatsConnection;
  js: JetStreamClient;
  jsm: JetStreamManager;
  events: EventLog;
  stop(): Promise<void>;
}

/** Starts a nats-server and provisions it with the work consumer's `max_ack_pending`. */
export async function startStack(maxConcurrentItems: number): Promise<TestStack> {
  const server = await startNatsServer();
  const connection = await connect({ servers: server.url });
  await provisionJetStream(connection, testLog, { maxConcurrentItems });
  const js = jetstream(connection);
  const jsm = await jetstreamManager(connection);
  const events = await EventLog.start(js);
  return {
    server,
    connection,
    js,
    jsm,
    events,
    async stop() {
      events.stop();
      await connection.close();
      await server.stop();
    },
  };
}

/** Scheduler configuration for tests: short delays, with `overrides` as environment values. */
export function testConfig(stack: TestStack, overrides: Record<string, string> = {}): Config {
  return parseConfig(configSchema, {
    NATS_URL: stack.server.url,
    RETRY_BASE_DELAY_MS: '20',
    RETRY_MAX_DELAY_MS: '200',
    SCHEDULER_LEASE_TTL_MS: '1500',
    SCHEDULER_LEASE_RENEW_MS: '300',
    COMMAND_BATCH_WAIT_MS: '1000',
    COMMAND_NOT_FOUND_AFTER_MS: '1500',
    SCHEDULER_REPLICA_ID: `replica-${newId().slice(0, 8)}`,
    ...overrides,
  });
}

/** A scheduler replica on its own connection, so that a test can cut it off alone. */
export interface TestScheduler {
  handle: SchedulerHandle;
  connection: NatsConnection;
  /** Graceful stop: releases the lease and closes the connection. */
  stop(): Promise<void>;
  /** Stops like a killed process: no lease release, connection closed at once. */
  kill(): Promise<void>;
}

export async function startTestScheduler(stack: TestStack, config: Config): Promise<TestScheduler> {
  const connection = await connect({ servers: stack.server.url });
  const handle = await startScheduler(config, { connection, log: testLog });
  return {
    handle,
    connection,
    async stop() {
      await handle.stop();
      await connection.close();
    },
    async kill() {
      handle.abort();
      await connection.close();
    },
  };
}

/** Options of {@link createBatch}. */
export interface BatchOptions {
  /** Id of the batch; default a new one. */
  batchId?: string;
  itemCount: number;
  /** Host name of the item at each index; default one host. */
  hostOf?: (index: number) => string;
  maxConcurrency?: number;
}

/** Publishes a batch the way the importer does: its items, then `batch.created`. */
export async function createBatch(
  js: JetStreamClient,
  options: BatchOptions,
): Promise<{ batchId: string; itemIds: string[] }> {
  const batchId = options.batchId ?? newId();
  const items: ImportedItem[] = Array.from({ length: options.itemCount }, (_, index) => ({
    itemId: deriveItemId(batchId, index),
    index,
    row: index + 2,
    orderUrl: `https://${options.hostOf?.(index) ?? 'shop.test'}/orders/${index}`,
    amount: '10.00',
    extra: {},
  }));
  const scope = { source: 'importer' as const, batchId };
  for (let chunk = 0; chunk * 500 < items.length; chunk += 1) {
    const chunkItems = items.slice(chunk * 500, (chunk + 1) * 500);
    await publishEvent(js, createEvent('batch.items_added', scope, { chunk, items: chunkItems }));
  }
  await publishEvent(
    js,
    createEvent('batch.created', scope, {
      name: 'test batch',
      itemCount: items.length,
      chunkCount: Math.ceil(items.length / 500),
      source: { kind: 'json' },
      columns: ['order_url', 'amount'],
      ...(options.maxConcurrency ? { maxConcurrency: options.maxConcurrency } : {}),
      skippedRows: [],
      skippedCount: 0,
    }),
  );
  return { batchId, itemIds: items.map((item) => item.itemId) };
}

export async function publishEvent(js: JetStreamClient, event: OrderflowEvent): Promise<void> {
  await js.publish(subjects.event(event.batchId, event.type), encodeJson(event), {
    msgID: event.id,
  });
}

/** Sends a control command as the gateway does and returns its id. */
export async function sendControl(
  js: JetStreamClient,
  batchId: string,
  action: ControlAction,
): Promise<string> {
  return sendCommand(js, { type: 'control', action, ...commandBase(batchId) });
}

/** Sends a retry command as the gateway does and returns its id. */
export async function sendRetry(js: JetStreamClient, batchId: string, limit: number) {
  return sendCommand(js, { type: 'retry', limit, ...commandBase(batchId) });
}

function commandBase(batchId: string) {
  return { commandId: newId(), batchId, issuedAt: new Date().toISOString() };
}

async function sendCommand(js: JetStreamClient, command: BatchCommand): Promise<string> {
  await js.publish(subjects.batchCommand(command.batchId), encodeJson(command), {
    msgID: command.commandId,
  });
  return command.commandId;
}

/** Waits for the first event caused by a command and returns it. */
export function answerOf(events: EventLog, commandId: string) {
  return events
    .waitUntil(
      (all) => all.some((event) => event.causationId === commandId),
      `answer to command ${commandId}`,
    )
    .then(() => events.events.find((event) => event.causationId === commandId)!);
}
