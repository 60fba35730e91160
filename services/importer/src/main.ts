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
import { startImporter } from './index';

const SERVICE = 'importer';

const config = loadConfigOrExit(configSchema);
const log = createLogger(SERVICE, config.LOG_LEVEL);
const nc = await connectNats({ url: config.NATS_URL, name: SERVICE, log });
await provisionJetStream(nc, log);

const registry = createMetricsRegistry(SERVICE);
const importer = await startImporter(config, { nc, log, registry });
const ops = await startOpsServer({
  port: config.HEALTH_PORT,
  log,
  registry,
  checkReadiness: () => ({
    ready: !nc.isClosed() && !nc.isDraining(),
    details: { nats: nc.isClosed() ? 'closed' : 'connected', importing: importer.busy },
  }),
});

handleShutdown({
  log,
  timeoutMs: config.SHUTDOWN_TIMEOUT_MS,
  steps: [
    { name: 'stop pulling and finish the current import', run: () => importer.stop() },
    { name: 'drain NATS', run: () => nc.drain() },
    { name: 'close ops server', run: () => ops.close() },
  ],
});
log.info({ healthPort: ops.port }, 'importer started');
