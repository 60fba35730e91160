import {
  baseConfigShape,
  connectNats,
  createLogger,
  loadConfigOrExit,
} from '@orderflow/service-kit';
import { z } from 'zod';
import { createDatabase, migrateToLatest } from '../db/database';
import { RebuildTargetNotEmptyError, rebuildReadModel } from '../projector/rebuild';

const config = loadConfigOrExit(
  z.object({
    NATS_URL: baseConfigShape.NATS_URL,
    LOG_LEVEL: baseConfigShape.LOG_LEVEL,
    DATABASE_URL: z.string({ error: 'is required: set the URL of an empty Postgres database' }),
  }),
);
const log = createLogger('gateway-rebuild', config.LOG_LEVEL);
const connection = await connectNats({ url: config.NATS_URL, name: 'gateway-rebuild', log });
const db = createDatabase({ url: config.DATABASE_URL, log });
let exitCode = 0;
try {
  await migrateToLatest(db, log);
  await rebuildReadModel({ connection, db, log });
} catch (error) {
  if (!(error instanceof RebuildTargetNotEmptyError)) throw error;
  log.error({ eventCount: error.eventCount }, error.message);
  exitCode = 1;
} finally {
  await db.destroy();
  await connection.drain();
}
process.exit(exitCode);
