import { readFileSync } from 'node:fs';
import { jetstream } from '@nats-io/jetstream';
import { Objm } from '@nats-io/obj';
import type { NatsConnection } from '@nats-io/transport-node';
import {
  createEvent,
  newId,
  type OrderflowEvent,
  parseEvent,
  subjects,
  type WorkMessage,
  workMessageId,
} from '@orderflow/contracts';
import { type DemoShop, startDemoShop } from '@orderflow/demo-shop';
import { type NatsServerHandle, startNatsServer } from '@orderflow/harness';
import {
  connectNats,
  createLogger,
  decodeJson,
  encodeJson,
  parseConfig,
  provisionJetStream,
} from '@orderflow/service-kit';
import { type Config, configSchema } from '../src/config';
import { listDescendants, listProcesses } from '../src/process-tree';

export const log = createLogger('browser-worker-test', process.env.TEST_LOG_LEVEL ?? 'silent');

/** A real nats-server, the demo shop, and every event published while the test runs. */
export interface TestEnvironment {
  nats: NatsServerHandle;
  connection: NatsConnection;
  shop: DemoShop;
  events: OrderflowEvent[];
  close(): Promise<void>;
}

export async function startEnvironment(): Promise<TestEnvironment> {
  const nats = await startNatsServer();
  const connection = await connectNats({ url: nats.url, name: 'worker-test', log });
  await provisionJetStream(connection, log, { maxConcurrentItems: 16 });
  const shop = await startDemoShop();
  const events: OrderflowEvent[] = [];
  const subscription = connection.subscribe(subjects.allEvents);
  void (async () => {
    for await (const message of subscription) events.push(parseEvent(decodeJson(message.data)));
  })();
  await connection.flush();
  return {
    nats,
    connection,
    shop,
    events,
    async close() {
      subscription.unsubscribe();
      await connection.close();
      await shop.close();
      await nats.stop();
    },
  };
}

/** Configuration of a worker under test: confined Chromium, the shop on 127.0.0.1 allowed. */
export function testConfig(natsUrl: string, overrides: Record<string, string> = {}): Config {
  return parseConfig(configSchema, {
    NATS_URL: natsUrl,
    LOG_LEVEL: 'silent',
    CHROMIUM_CONFINE: 'true',
    ADDRESS_POLICY_ALLOW_HOSTS: '127.0.0.1',
    WORKER_CONCURRENCY: '2',
    STEP_TIMEOUT_MS: '4000',
    VERIFY_TIMEOUT_MS: '8000',
    SHUTDOWN_GRACE_MS: '5000',
    ...overrides,
  });
}

/** Builds a work message for an order of the demo shop. */
export function workFor(
  shop: DemoShop,
  orderPath: string,
  overrides: Partial<WorkMessage> = {},
): WorkMessage {
  return {
    batchId: newId(),
    itemId: newId(),
    attempt: 1,
    orderUrl: `${shop.url}${orderPath}`,
    amount: '25.00',
    timeoutMs: 30_000,
    dispatchedAt: new Date().toISOString(),
    verifyFirst: false,
    ...overrides,
  };
}

export async function publishWork(connection: NatsConnection, work: WorkMessage): Promise<void> {
  await jetstream(connection).publish(subjects.work(work.batchId), encodeJson(work), {
    msgID: workMessageId(work.itemId, work.attempt),
  });
}

/** Publishes an event as the scheduler would, such as a cancel request. */
export async function publishSchedulerEvent(
  connection: NatsConnection,
  event: OrderflowEvent,
): Promise<void> {
  await jetstream(connection).publish(
    subjects.event(event.batchId, event.type),
    encodeJson(event),
    {
      msgID: event.id,
    },
  );
}

export function cancelRequest(batchId: string) {
  return createEvent('batch.cancel_requested', { source: 'scheduler', batchId }, {});
}

type Outcome = OrderflowEvent<'item.attempt_succeeded'> | OrderflowEvent<'item.attempt_failed'>;

/** Waits until a condition holds, polling every 25 ms. */
export async function waitUntil<T>(
  read: () => T | undefined,
  timeoutMs: number,
  condition: string,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = read();
    if (value !== undefined && value !== false) return value;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${condition}`);
}

/** Waits for the outcome event of one attempt. */
export function waitForOutcome(
  events: OrderflowEvent[],
  work: WorkMessage,
  timeoutMs = 30_000,
): Promise<Outcome> {
  return waitUntil(
    () =>
      events.find(
        (event): event is Outcome =>
          (event.type === 'item.attempt_succeeded' || event.type === 'item.attempt_failed') &&
          event.itemId === work.itemId &&
          event.attempt === work.attempt,
      ),
    timeoutMs,
    `the outcome of item ${work.itemId} attempt ${work.attempt}`,
  );
}

/** Waits for an event of one type for one item. */
export function waitForItemEvent(
  events: OrderflowEvent[],
  itemId: string,
  type: OrderflowEvent['type'],
  timeoutMs = 30_000,
): Promise<OrderflowEvent> {
  return waitUntil(
    () => events.find((event) => event.type === type && event.itemId === itemId),
    timeoutMs,
    `${type} of item ${itemId}`,
  );
}

export function eventsOfItem(events: OrderflowEvent[], itemId: string): OrderflowEvent[] {
  return events.filter((event) => event.itemId === itemId);
}

/** Reads an artifact from the object store. */
export async function readArtifact(connection: NatsConnection, bucket: string, name: string) {
  const store = await new Objm(connection).open(bucket);
  return store.getBlob(name);
}

/** Chromium processes started by this process (the test runner, with in-process workers). */
export function chromiumDescendants(rootPid = process.pid) {
  return listDescendants(rootPid).filter((entry) => /chrom/i.test(entry.command));
}

function commandLine(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
  } catch {
    return '';
  }
}

/**
 * Lists every process that uses the profile folder of the given Chromium processes, which
 * includes crash handlers that Chromium detaches from its process tree.
 */
export function processesOfChromiumProfile(chromium: Array<{ pid: number }>): number[] {
  const profile = chromium
    .map((entry) => /--user-data-dir=(\S+)/.exec(commandLine(entry.pid))?.[1])
    .find((dir) => dir !== undefined);
  if (!profile) return [];
  return listProcesses()
    .filter((entry) => entry.pid !== process.pid && commandLine(entry.pid).includes(profile))
    .map((entry) => entry.pid);
}
