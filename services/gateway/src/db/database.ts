import { Kysely, Migrator, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { Logger } from 'pino';
import { migrationProvider } from './migrations';
import type { Database } from './schema';

/** Options of {@link createDatabase}. */
export interface DatabaseOptions {
  url: string;
  /** Maximum pool connections; default 10. */
  poolSize?: number;
  log: Logger;
}

/** A Kysely instance over a `pg` pool; `destroy()` closes the pool. */
export type ReadModelDb = Kysely<Database>;

/**
 * Creates the pool and Kysely instance of the read model. Errors of lost connections (a
 * restarted Postgres) are logged instead of crashing the process, because the next query
 * reconnects.
 */
export function createDatabase(options: DatabaseOptions): ReadModelDb {
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.poolSize ?? 10,
    connectionTimeoutMillis: 5_000,
  });
  pool.on('error', (error) => {
    options.log.warn({ err: error }, 'idle Postgres connection failed');
  });
  // The pool listens for errors of idle connections only. A connection that is checked out
  // between two queries (inside a transaction) emits an 'error' event with no listener when
  // Postgres shuts down, which would end the process. The pool drops such a connection on
  // release because it is no longer queryable.
  pool.on('connect', (client) => {
    client.on('error', (error) => {
      options.log.warn({ err: error }, 'Postgres connection in use failed');
    });
  });
  return new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
}

/**
 * Applies every pending migration. Kysely's Migrator takes a Postgres advisory lock for the
 * duration, so replicas that start together apply each migration once.
 */
export async function migrateToLatest(db: ReadModelDb, log: Logger): Promise<void> {
  const migrator = new Migrator({ db, provider: migrationProvider });
  const { error, results } = await migrator.migrateToLatest();
  for (const result of results ?? []) {
    if (result.status === 'Success')
      log.info({ migration: result.migrationName }, 'migration applied');
    if (result.status === 'Error')
      log.error({ migration: result.migrationName }, 'migration failed');
  }
  if (error) throw error;
}
