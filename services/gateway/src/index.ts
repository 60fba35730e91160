import type { AddressInfo } from 'node:net';
import { type ServerType, serve } from '@hono/node-server';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { EVENTS_STREAM, OBJECT_BUCKETS, PROJECTOR_CONSUMER } from '@orderflow/contracts';
import { ensureObjectBucket, type Readiness } from '@orderflow/service-kit';
import { sql } from 'kysely';
import type { Logger } from 'pino';
import { Registry } from 'prom-client';
import { createCommandBus } from './commands/command-bus';
import type { Config } from './config';
import { createDatabase, migrateToLatest, type ReadModelDb } from './db/database';
import { createApp } from './http/app';
import { type ApiToken, loadOrGenerateToken, parseApiTokens } from './http/auth';
import type { GatewayServices } from './http/context';
import { registerGatewayMetrics } from './metrics';
import { ProjectionNotifier } from './projector/notification';
import { Projector } from './projector/projector';

export { type Config, configSchema } from './config';
export { createDatabase, migrateToLatest, type ReadModelDb } from './db/database';
export { applyEvents, type StreamEvent } from './projector/apply-events';
export { Projector, type ProjectorOptions } from './projector/projector';

/** Dependencies of {@link startGateway} besides the configuration. */
export interface GatewayDeps {
  connection: NatsConnection;
  log: Logger;
  /** Registry for `/metrics`; default a new one without process metrics. */
  registry?: Registry;
  /** Durable consumer of the projector; default `gateway-projector`. */
  projectorConsumer?: string;
  /** Set false to serve reads without projecting (a read-only replica or a test). */
  runProjector?: boolean;
}

/** A running gateway. */
export interface GatewayHandle {
  port: number;
  /** Base URL, such as `http://127.0.0.1:8000`. */
  url: string;
  db: ReadModelDb;
  projector: Projector | undefined;
  stop(): Promise<void>;
}

const LAG_CACHE_MS = 1_000;
const KEEP_ALIVE_TIMEOUT_MS = 65_000;

/**
 * Starts the gateway: migrates the read model, starts the projector and the notification
 * listener, and serves the REST interface with the ops endpoints on PORT. The NATS streams
 * and buckets must already exist (main.ts provisions them). `stop()` closes what this function
 * opened, not the NATS connection.
 */
export async function startGateway(config: Config, deps: GatewayDeps): Promise<GatewayHandle> {
  const log = deps.log;
  const db = createDatabase({ url: config.DATABASE_URL, poolSize: config.DATABASE_POOL_SIZE, log });
  await migrateToLatest(db, log);
  const notifier = new ProjectionNotifier(config.DATABASE_URL, log);
  await notifier.start();

  const registry = deps.registry ?? new Registry();
  const consumerName = deps.projectorConsumer ?? PROJECTOR_CONSUMER.durable_name;
  const natsLink = watchNatsLink(deps.connection);
  const readLag = cachedLag(deps.connection, consumerName, natsLink);
  const metrics = registerGatewayMetrics(registry, readLag);

  const projector =
    deps.runProjector === false
      ? undefined
      : new Projector({
          connection: deps.connection,
          db,
          log,
          consumerName,
          batchSize: config.PROJECTOR_BATCH_SIZE,
          onApplied: metrics.observeProjection,
        });
  await projector?.start();

  const services: GatewayServices = {
    config,
    db,
    notifier,
    bus: createCommandBus(jetstream(deps.connection, { timeout: config.NATS_REQUEST_TIMEOUT_MS })),
    uploads: await ensureObjectBucket(deps.connection, OBJECT_BUCKETS.uploads.bucket, {
      ttlMs: OBJECT_BUCKETS.uploads.ttlMs,
    }),
    artifacts: await ensureObjectBucket(deps.connection, OBJECT_BUCKETS.artifacts.bucket, {
      ttlMs: OBJECT_BUCKETS.artifacts.ttlMs,
    }),
    log,
  };
  const checkReadiness = () => readiness(config, db, natsLink, projector, readLag);
  if (!config.REJECT_REPEATED_ORDERS) {
    log.warn(
      'REJECT_REPEATED_ORDERS=false: batches start even when other batches already did their orders',
    );
  }
  const app = createApp(services, {
    tokens: resolveTokens(config, log),
    registry,
    metrics,
    checkReadiness,
  });

  const server = await listen(app.fetch, config.PORT, config.HOST);
  const port = (server.address() as AddressInfo).port;
  log.info({ port }, 'gateway listening');

  return {
    port,
    url: `http://127.0.0.1:${port}`,
    db,
    projector,
    async stop() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        if ('closeAllConnections' in server) server.closeAllConnections();
      });
      await projector?.stop();
      await notifier.stop();
      await db.destroy();
      log.info('gateway stopped');
    },
  };
}

function resolveTokens(config: Config, log: Logger): ApiToken[] | undefined {
  if (config.AUTH_DISABLED) {
    log.warn('AUTH_DISABLED=true: the REST interface accepts requests without a token');
    return undefined;
  }
  if (config.API_TOKENS.length > 0) return parseApiTokens(config.API_TOKENS);
  return loadOrGenerateToken(config.API_TOKEN_FILE, log);
}

function listen(
  fetch: (request: Request) => Response | Promise<Response>,
  port: number,
  hostname: string,
): Promise<ServerType> {
  return new Promise((resolve, reject) => {
    const server = serve({ fetch, port, hostname }, () => resolve(server));
    server.once('error', reject);
    if ('keepAliveTimeout' in server) {
      // Longer than the 60 s idle timeout common in load balancers, so the gateway does not
      // close a kept-alive connection just as a proxy sends the next request on it.
      server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
      server.headersTimeout = KEEP_ALIVE_TIMEOUT_MS + 1_000;
    }
  });
}

/** Whether the NATS connection is up, updated from the connection's status events. */
interface NatsLink {
  connected: boolean;
  closed: boolean;
}

function watchNatsLink(connection: NatsConnection): NatsLink {
  const link: NatsLink = { connected: true, closed: false };
  void (async () => {
    for await (const status of connection.status()) {
      if (status.type === 'disconnect') link.connected = false;
      if (status.type === 'reconnect') link.connected = true;
    }
  })();
  void connection.closed().then(() => {
    link.connected = false;
    link.closed = true;
  });
  return link;
}

/**
 * Reads the projection lag from the consumer, at most once per second, and not at all while
 * NATS is disconnected, so that `/readyz` and `/metrics` stay fast during an outage.
 */
function cachedLag(connection: NatsConnection, consumerName: string, link: NatsLink) {
  let cached: { value: number | undefined; at: number } = { value: undefined, at: 0 };
  return async (): Promise<number | undefined> => {
    if (!link.connected) return undefined;
    if (Date.now() - cached.at < LAG_CACHE_MS) return cached.value;
    try {
      const jsm = await jetstreamManager(connection);
      const info = await jsm.consumers.info(EVENTS_STREAM.name, consumerName);
      cached = { value: info.num_pending + info.num_ack_pending, at: Date.now() };
    } catch {
      cached = { value: undefined, at: Date.now() };
    }
    return cached.value;
  };
}

function natsState(link: NatsLink): string {
  if (link.closed) return 'closed';
  return link.connected ? 'ok' : 'disconnected';
}

function projectorState(projector: Projector | undefined): string {
  if (!projector) return 'off';
  return projector.health.writing ? 'ok' : 'retrying';
}

async function readiness(
  config: Config,
  db: ReadModelDb,
  link: NatsLink,
  projector: Projector | undefined,
  readLag: () => Promise<number | undefined>,
): Promise<Readiness> {
  const postgres = await sql`SELECT 1`
    .execute(db)
    .then(() => true)
    .catch(() => false);
  const nats = link.connected;
  const lag = await readLag();
  const lagOk =
    config.READY_MAX_LAG_EVENTS === 0 || lag === undefined || lag <= config.READY_MAX_LAG_EVENTS;
  return {
    ready: postgres && nats && lagOk,
    details: {
      postgres: postgres ? 'ok' : 'unreachable',
      nats: natsState(link),
      projector: projectorState(projector),
      projection_lag_events: lag ?? null,
    },
  };
}
