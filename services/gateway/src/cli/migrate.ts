import { createLogger, loadConfigOrExit } from '@orderflow/service-kit';
import { z } from 'zod';
import { createDatabase, migrateToLatest } from '../db/database';

const config = loadConfigOrExit(
  z.object({
    DATABASE_URL: z.string({ error: 'is required: set the Postgres URL of the read model' }),
    LOG_LEVEL: z
      .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
      .default('info'),
  }),
);
const log = createLogger('gateway-migrate', config.LOG_LEVEL);
const db = createDatabase({ url: config.DATABASE_URL, poolSize: 1, log });
try {
  await migrateToLatest(db, log);
  log.info('read model is up to date');
} finally {
  await db.destroy();
}
