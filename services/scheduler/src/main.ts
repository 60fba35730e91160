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
import { startScheduler } from './scheduler';

const config = loadConfigOrExit(configSchema);
const log = createLogger('scheduler', config.LOG_LEVEL);

const connection = await connectNats({
  url: config.NATS_URL,
  name: `scheduler-${config.SCHEDULER_REPLICA_ID}`,
  log,
});
await provisionJetStream(connection, log, { maxConcurrentItems: config.MAX_CONCURRENT_ITEMS });
const registry = createMetricsRegistry('scheduler');
const scheduler = await startScheduler(config, {
  connection,
  log,
  registry,
  onFatal: () => {
    // The lease is already released; a restart replays the events and starts over.
    log.fatal('scheduler cannot follow the event stream, exiting');
    process.exit(1);
  },
});

const ops = await startOpsServer({
  port: config.HEALTH_PORT,
  log,
  registry,
  checkReadiness: () => ({
    ready: scheduler.isCaughtUp() && !connection.isClosed(),
    details: {
      replicaId: scheduler.replicaId,
      active: scheduler.isActive(),
      lastEventSeq: scheduler.state.lastSeq,
    },
  }),
});

handleShutdown({
  log,
  timeoutMs: config.SHUTDOWN_TIMEOUT_MS,
  steps: [
    { name: 'scheduler', run: () => scheduler.stop() },
    { name: 'ops server', run: () => ops.close() },
    { name: 'nats', run: () => connection.drain() },
  ],
});
