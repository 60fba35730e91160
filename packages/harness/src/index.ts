export { ChromiumNotFoundError, confinedChromiumArgs, resolveChromium } from './chromium';
export { type FixtureServer, serveFixtures } from './fixture-server';
export {
  type NatsServerHandle,
  NatsServerNotFoundError,
  type NatsServerOptions,
  resolveNatsServer,
  startNatsServer,
} from './nats-server';
export { findFreePort, waitForPort } from './ports';
export {
  createTestDatabase,
  type EmbeddedPostgresOptions,
  type PostgresServer,
  startEmbeddedPostgres,
  type TestDatabase,
  withDatabase,
} from './postgres';
