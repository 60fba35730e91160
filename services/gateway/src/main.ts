import {
  connectNats,
  createLogger,
  createMetricsRegistry,
  handleShutdown,
  loadConfigOrExit,
  provisionJetStream,
} from '@orderflow/service-kit';
import { configSchema } from './config';
import { startGateway } from './index';

const config = loadConfigOrExit(configSchema);
const log = createLogger('gateway', config.LOG_LEVEL);
const connection = await connectNats({ url: config.NATS_URL, name: 'gateway', log });
await provisionJetStream(connection, log);
const gateway = await startGateway(config, {
  connection,
  log,
  registry: createMetricsRegistry('gateway'),
});

handleShutdown({
  log,
  timeoutMs: config.SHUTDOWN_TIMEOUT_MS,
  steps: [
    { name: 'gateway', run: () => gateway.stop() },
    { name: 'nats', run: () => connection.drain() },
  ],
});
