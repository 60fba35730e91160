import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type DemoShop, startDemoShop } from '@orderflow/demo-shop';
import {
  createTestDatabase,
  type NatsServerHandle,
  startNatsServer,
  type TestDatabase,
} from '@orderflow/harness';
import { afterEach } from 'vitest';
import { type ServiceName, type Stack, startStack } from '../../src/index';
import { ApiClient } from './api-client';
import { EventHistory } from './event-history';

/** Label of the test token; the gateway records it as `updated_by` on hand updates. */
export const TOKEN_LABEL = 'e2e';
const TOKEN = 'e2e-token';
const LOG_LINES_KEPT = 300;

const rootDir = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..');

/**
 * Settings that keep a run short: attempts time out after 8 s, the scheduler declares a
 * timeout 3 s later, one automatic retry after at most 1 s, and a killed scheduler's lease
 * expires after 3 s. Chromium and the address policy reach only 127.0.0.1.
 */
export const E2E_ENV: Record<string, string> = {
  ADDRESS_POLICY_ALLOW_HOSTS: '127.0.0.1',
  CHROMIUM_CONFINE: 'true',
  BATCH_TASK_TIMEOUT: '8',
  BATCH_TASK_RETRY_LIMIT: '1',
  RETRY_BASE_DELAY_MS: '300',
  RETRY_MAX_DELAY_MS: '1000',
  ATTEMPT_TIMEOUT_GRACE_MS: '3000',
  SCHEDULER_LEASE_TTL_MS: '3000',
  SCHEDULER_LEASE_RENEW_MS: '500',
  SHUTDOWN_GRACE_MS: '2000',
  SHUTDOWN_TIMEOUT_MS: '10000',
  LOG_LEVEL: 'warn',
};

/**
 * Settings of the fault tests: two automatic retries, so that an order whose attempt the fault
 * cut off still succeeds when its next attempt meets a service that is still recovering.
 */
export const FAULT_ENV: Record<string, string> = { BATCH_TASK_RETRY_LIMIT: '2' };

/** Options of {@link startE2eStack}. */
export interface E2eStackOptions {
  /** Browser worker processes; default 1. */
  workers?: number;
  /** Settings added to (or replacing) {@link E2E_ENV}. */
  env?: Record<string, string>;
  serviceEnv?: Partial<Record<ServiceName, Record<string, string>>>;
  /** Read model database; default a throwaway database from the harness. */
  databaseUrl?: string;
}

/** The services as processes, with their NATS server, database, demo shop and clients. */
export interface E2eStack {
  stack: Stack;
  nats: NatsServerHandle;
  shop: DemoShop;
  api: ApiClient;
  history: EventHistory;
  /** Builds the link of a demo shop order; the id's prefix picks the shop's behaviour. */
  orderUrl(orderId: string, amount: string, query?: Record<string, string>): string;
  /** The last log lines of the service processes, for failure messages. */
  recentLogs(): string;
  stop(): Promise<void>;
}

/** Returns the order id of a demo shop link. */
export function orderIdOf(orderUrl: string): string {
  return new URL(orderUrl).pathname.split('/').pop() ?? '';
}

/**
 * Starts a nats-server with a file store, a read model database, the demo shop, and the four
 * services as separate processes, each on 127.0.0.1.
 */
export async function startE2eStack(options: E2eStackOptions = {}): Promise<E2eStack> {
  const dataDir = await mkdtemp(join(tmpdir(), 'orderflow-e2e-'));
  const logLines: string[] = [];
  const cleanups: Array<() => Promise<void>> = [];
  const cleanUp = async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
    await rm(dataDir, { recursive: true, force: true });
  };

  try {
    const nats = await startNatsServer({ storeDir: join(dataDir, 'nats') });
    cleanups.push(() => nats.stop());
    let database: TestDatabase | undefined;
    if (!options.databaseUrl) {
      database = await createTestDatabase();
      cleanups.push(() => database!.drop());
    }
    const shop = await startDemoShop({ host: '127.0.0.1' });
    cleanups.push(() => shop.close());

    const stack = await startStack({
      rootDir,
      dataDir,
      natsUrl: nats.url,
      databaseUrl: options.databaseUrl ?? database!.url,
      gatewayPort: 0,
      apiTokens: `${TOKEN_LABEL}:${TOKEN}`,
      workers: options.workers ?? 1,
      parallelStart: true,
      env: { ...E2E_ENV, ...options.env },
      serviceEnv: options.serviceEnv ?? {},
      output: (name, line) => {
        logLines.push(`${name} | ${line}`);
        if (logLines.length > LOG_LINES_KEPT) logLines.shift();
      },
    });
    cleanups.push(() => stack.stop());
    const history = await EventHistory.connect(nats.url);
    cleanups.push(() => history.close());

    return {
      stack,
      nats,
      shop,
      api: new ApiClient(stack.gatewayUrl, stack.apiToken),
      history,
      orderUrl: (orderId, amount, query = {}) => {
        const search = new URLSearchParams({ amount, ...query });
        return `${shop.url}/orders/${orderId}?${search}`;
      },
      recentLogs: () => logLines.join('\n'),
      stop: cleanUp,
    };
  } catch (error) {
    const logs = logLines.slice(-40).join('\n');
    await cleanUp();
    throw new Error(`the end-to-end stack failed to start; last log lines:\n${logs}`, {
      cause: error,
    });
  }
}

/** Prints the services' last log lines after each failed test of the file. */
export function printLogsOnFailure(current: () => E2eStack | undefined): void {
  afterEach((context) => {
    if (context.task.result?.state !== 'fail') return;
    process.stderr.write(`last log lines of the services:\n${current()?.recentLogs() ?? ''}\n`);
  });
}
