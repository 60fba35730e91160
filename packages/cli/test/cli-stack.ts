import { connect, type NatsConnection } from '@nats-io/transport-node';
import { configSchema, type GatewayHandle, startGateway } from '@orderflow/gateway';
import {
  createTestDatabase,
  findFreePort,
  type NatsServerHandle,
  startNatsServer,
  type TestDatabase,
} from '@orderflow/harness';
import { createLogger, parseConfig, provisionJetStream } from '@orderflow/service-kit';
import { type CliRun, type CliRunOptions, runCliProcess } from './run-cli';
import { ServiceStandIn } from './service-stand-in';

/** Token the gateway accepts in these tests. */
export const TEST_TOKEN = 'cli-test-token-0123456789';

const log = createLogger('cli-test', process.env.TEST_LOG_LEVEL ?? 'silent');

/** A real gateway on a real nats-server and Postgres database, with the stand-in services. */
export interface CliTestStack {
  apiUrl: string;
  /** Connection to the stack's nats-server, for services a test starts itself. */
  connection: NatsConnection;
  gateway: GatewayHandle;
  services: ServiceStandIn;
  /** Runs the CLI against this gateway with the test token in ORDERFLOW_API_TOKEN. */
  run(args: string[], options?: CliRunOptions): Promise<CliRun>;
  /** Stops the gateway and starts it again on the same port and database. */
  restartGateway(): Promise<void>;
  close(): Promise<void>;
}

/** Options of {@link startCliTestStack}. */
export interface CliTestStackOptions {
  /** Gateway settings over the test defaults. */
  gatewayEnv?: Record<string, string>;
  /** False when the test starts a real importer; default true. */
  standInForImporter?: boolean;
}

/** Starts NATS, a throwaway database, the gateway on a fixed port, and the stand-in services. */
export async function startCliTestStack(options: CliTestStackOptions = {}): Promise<CliTestStack> {
  const nats: NatsServerHandle = await startNatsServer();
  const database: TestDatabase = await createTestDatabase();
  const connection: NatsConnection = await connect({ servers: nats.url });
  await provisionJetStream(connection, log);

  // A fixed port lets a restarted gateway take the place of the old one for a running CLI.
  const config = parseConfig(configSchema, {
    PORT: String(await findFreePort()),
    HOST: '127.0.0.1',
    DATABASE_URL: database.url,
    API_TOKENS: `cli-test:${TEST_TOKEN}`,
    IMPORT_WAIT_MS: '5000',
    COMMAND_WAIT_MS: '5000',
    PROJECTION_WAIT_MS: '5000',
    LOG_LEVEL: 'silent',
    ...options.gatewayEnv,
  });
  let gateway = await startGateway(config, { connection, log });
  const services = new ServiceStandIn(connection, options.standInForImporter ?? true);
  await services.start();

  return {
    apiUrl: gateway.url,
    connection,
    get gateway() {
      return gateway;
    },
    services,
    run(args, options = {}) {
      return runCliProcess(args, {
        ...options,
        env: { ORDERFLOW_API_URL: gateway.url, ORDERFLOW_API_TOKEN: TEST_TOKEN, ...options.env },
      });
    },
    async restartGateway() {
      await gateway.stop();
      gateway = await startGateway(config, { connection, log });
    },
    async close() {
      await services.stop();
      await gateway.stop();
      await connection.close();
      await nats.stop();
      await database.drop();
    },
  };
}
