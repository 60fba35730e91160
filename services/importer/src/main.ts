import { getHeapStatistics } from 'node:v8';
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

/**
 * Heap limit the start script sets (`--max-old-space-size=512`). With a much higher limit V8
 * lets garbage pile up during a large import and resident memory passes 300 MB.
 */
const EXPECTED_HEAP_LIMIT_MB = 512;

const config = loadConfigOrExit(configSchema);
const log = createLogger(SERVICE, config.LOG_LEVEL);
const heapLimitMb = Math.round(getHeapStatistics().heap_size_limit / (1024 * 1024));
if (heapLimitMb > EXPECTED_HEAP_LIMIT_MB * 1.5) {
  log.warn(
    { heapLimitMb, expectedMb: EXPECTED_HEAP_LIMIT_MB },
    'heap limit is high; start with --max-old-space-size=512 to keep memory of large imports bounded',
  );
}
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
