import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  findFreePort,
  type NatsServerHandle,
  type PostgresServer,
  startEmbeddedPostgres,
  startNatsServer,
  withDatabase,
} from '@orderflow/harness';
import pg from 'pg';
import { type ServiceProcess, startServiceProcess, waitForHealthy } from './service-process';

/** The four services and their entry points, relative to the repository root. */
export const SERVICES = {
  gateway: 'services/gateway/src/main.ts',
  importer: 'services/importer/src/main.ts',
  scheduler: 'services/scheduler/src/main.ts',
  'browser-worker': 'services/browser-worker/src/main.ts',
} as const;

/**
 * Node options per service, as in the importer's start script. The heap cap keeps a
 * 100,000-row import under 300 MB of resident memory; the larger young generation cuts its
 * garbage collection time.
 */
const NODE_ARGS: Partial<Record<keyof typeof SERVICES, string[]>> = {
  importer: ['--max-old-space-size=512', '--max-semi-space-size=32'],
};

export type ServiceName = keyof typeof SERVICES;

const HEALTH_TIMEOUT_MS = 60_000;
const DATABASE_NAME = 'orderflow';

/** Options of {@link startStack}. */
export interface StackOptions {
  /** Repository root. */
  rootDir: string;
  /** Folder for NATS and Postgres data and the API token; usually `<root>/.data`. */
  dataDir: string;
  /** Existing NATS server; otherwise a nats-server is started with its store in `dataDir`. */
  natsUrl?: string;
  /** Existing Postgres database; otherwise an embedded Postgres is started in `dataDir`. */
  databaseUrl?: string;
  /** Gateway port; 0 picks a free one. */
  gatewayPort: number;
  /** API tokens for the gateway; when empty, one is generated and stored in `dataDir`. */
  apiTokens?: string;
  /** Browser worker processes to start; default 1. */
  workers?: number;
  /** Environment for every service, such as ADDRESS_POLICY_ALLOW_HOSTS. */
  env?: Record<string, string>;
  /**
   * Starts the importer, scheduler and workers at the same time once the gateway is healthy,
   * instead of one after another; default false.
   */
  parallelStart?: boolean;
  /** Environment for one service only, applied after `env`. */
  serviceEnv?: Partial<Record<ServiceName, Record<string, string>>>;
  /** Receives each log line of the stack's processes. */
  output: (name: string, line: string) => void;
}

/** A running stack. */
export interface Stack {
  gatewayUrl: string;
  apiToken: string;
  natsUrl: string;
  databaseUrl: string;
  processes: Map<string, ServiceProcess>;
  /** The `/healthz` URL of each service process, by process name. */
  healthUrls: Map<string, string>;
  /** Starts a stopped or killed service process again with the same settings. */
  restart(name: string): Promise<void>;
  /** Stops the services (SIGTERM, in reverse start order), then NATS and Postgres it started. */
  stop(): Promise<void>;
}

function readOrCreateToken(dataDir: string): string {
  const file = join(dataDir, 'api-token');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const token = randomBytes(24).toString('base64url');
  writeFileSync(file, `${token}\n`, { mode: 0o600 });
  return token;
}

async function ensureDatabase(adminUrl: string): Promise<string> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [
      DATABASE_NAME,
    ]);
    if (found.rowCount === 0) await client.query(`CREATE DATABASE ${DATABASE_NAME}`);
  } finally {
    await client.end();
  }
  return withDatabase(adminUrl, DATABASE_NAME);
}

/**
 * Starts NATS and Postgres when not given, then the gateway, importer, scheduler and browser
 * workers as separate processes, and waits until each returns 200 from `/healthz`.
 */
export async function startStack(options: StackOptions): Promise<Stack> {
  mkdirSync(options.dataDir, { recursive: true });
  const started: Array<() => Promise<void>> = [];
  const processes = new Map<string, ServiceProcess>();
  const healthUrls = new Map<string, string>();
  const launchers = new Map<string, () => Promise<void>>();

  const stop = async () => {
    for (const service of [...processes.values()].reverse()) await service.stop('SIGTERM');
    for (const stopInfra of started.reverse()) await stopInfra();
  };

  try {
    let nats: NatsServerHandle | undefined;
    if (!options.natsUrl) {
      nats = await startNatsServer({ storeDir: join(options.dataDir, 'nats'), monitor: true });
      started.push(() => nats!.stop());
    }
    const natsUrl = options.natsUrl ?? nats!.url;

    let postgres: PostgresServer | undefined;
    if (!options.databaseUrl) {
      postgres = await startEmbeddedPostgres({ dataDir: join(options.dataDir, 'postgres') });
      started.push(() => postgres!.stop());
    }
    const databaseUrl = options.databaseUrl ?? (await ensureDatabase(postgres!.adminUrl));

    const apiToken = options.apiTokens || readOrCreateToken(options.dataDir);
    const gatewayPort = options.gatewayPort || (await findFreePort());
    const common = { NATS_URL: natsUrl, ...options.env };

    const launch = async (name: string, service: ServiceName, env: Record<string, string>) => {
      const healthPort = service === 'gateway' ? gatewayPort : await findFreePort();
      const portEnv: Record<string, string> =
        service === 'gateway' ? { PORT: String(gatewayPort) } : { HEALTH_PORT: String(healthPort) };
      const start = async () => {
        const child = startServiceProcess({
          name,
          entry: SERVICES[service],
          nodeArgs: NODE_ARGS[service] ?? [],
          cwd: options.rootDir,
          env: { ...common, ...env, ...options.serviceEnv?.[service], ...portEnv },
          output: options.output,
        });
        processes.set(name, child);
        healthUrls.set(name, `http://127.0.0.1:${healthPort}/healthz`);
        await waitForHealthy(healthUrls.get(name)!, child, HEALTH_TIMEOUT_MS);
      };
      launchers.set(name, start);
      await start();
    };

    await launch('gateway', 'gateway', { DATABASE_URL: databaseUrl, API_TOKENS: apiToken });
    const rest: Array<[string, ServiceName]> = [
      ['importer', 'importer'],
      ['scheduler', 'scheduler'],
    ];
    const workers = options.workers ?? 1;
    for (let index = 1; index <= workers; index++) {
      rest.push([workers === 1 ? 'worker' : `worker-${index}`, 'browser-worker']);
    }
    if (options.parallelStart) {
      await Promise.all(rest.map(([name, service]) => launch(name, service, {})));
    } else {
      for (const [name, service] of rest) await launch(name, service, {});
    }

    return {
      gatewayUrl: `http://127.0.0.1:${gatewayPort}`,
      apiToken: apiToken.split(',')[0]!.split(':').pop()!,
      natsUrl,
      databaseUrl,
      processes,
      healthUrls,
      async restart(name) {
        const start = launchers.get(name);
        if (!start) throw new Error(`no service named ${name} in this stack`);
        await processes.get(name)?.stop('SIGTERM');
        await start();
      },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
