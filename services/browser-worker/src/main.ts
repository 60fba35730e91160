import {
  connectNats,
  createLogger,
  createMetricsRegistry,
  handleShutdown,
  loadConfigOrExit,
  provisionJetStream,
  startOpsServer,
} from '@orderflow/service-kit';
import { configSchema } from './config';
import { startBrowserWorker } from './worker';

const config = loadConfigOrExit(configSchema);
const log = createLogger('browser-worker', config.LOG_LEVEL);
const connection = await connectNats({ url: config.NATS_URL, name: 'browser-worker', log });
await provisionJetStream(connection, log);

const registry = createMetricsRegistry('browser-worker');
const worker = await startBrowserWorker(config, { connection, log, registry });
const ops = await startOpsServer({
  port: config.HEALTH_PORT,
  log,
  registry,
  checkReadiness: () => ({
    ready: worker.isReady() && !connection.isClosed(),
    details: { workerId: worker.workerId, running: worker.runningCount() },
  }),
});

handleShutdown({
  log,
  timeoutMs: config.SHUTDOWN_TIMEOUT_MS,
  steps: [
    { name: 'browser worker', run: () => worker.stop() },
    { name: 'ops server', run: () => ops.close() },
    { name: 'nats', run: () => connection.drain() },
  ],
});
