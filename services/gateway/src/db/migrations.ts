import { type Kysely, type Migration, type MigrationProvider, sql } from 'kysely';

const initialSchema: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('batches')
      .addColumn('id', 'text', (col) => col.primaryKey())
      .addColumn('name', 'text')
      .addColumn('description', 'text')
      .addColumn('status', 'text', (col) => col.notNull().defaultTo('pending'))
      .addColumn('paused', 'boolean', (col) => col.notNull().defaultTo(false))
      .addColumn('cancel_requested', 'boolean', (col) => col.notNull().defaultTo(false))
      .addColumn('created_seq', 'bigint')
      .addColumn('visible', 'boolean', (col) => col.notNull().defaultTo(false))
      .addColumn('item_count', 'integer', (col) => col.notNull().defaultTo(0))
      .addColumn('pending_count', 'integer', (col) => col.notNull().defaultTo(0))
      .addColumn('processing_count', 'integer', (col) => col.notNull().defaultTo(0))
      .addColumn('success_count', 'integer', (col) => col.notNull().defaultTo(0))
      .addColumn('failed_count', 'integer', (col) => col.notNull().defaultTo(0))
      .addColumn('skipped_count', 'integer', (col) => col.notNull().defaultTo(0))
      .addColumn('columns', 'jsonb', (col) => col.notNull().defaultTo(sql`'[]'::jsonb`))
      .addColumn('source', 'jsonb')
      .addColumn('skipped_rows', 'jsonb', (col) => col.notNull().defaultTo(sql`'[]'::jsonb`))
      .addColumn('skipped_row_count', 'integer', (col) => col.notNull().defaultTo(0))
      .addColumn('max_concurrency', 'integer')
      .addColumn('idempotency_key', 'text')
      .addColumn('requested_by', 'text')
      .addColumn('created_at', 'timestamptz')
      .addColumn('started_at', 'timestamptz')
      .addColumn('finished_at', 'timestamptz')
      .addColumn('updated_at', 'timestamptz')
      .addColumn('last_seq', 'bigint', (col) => col.notNull().defaultTo(0))
      .addColumn('last_event_seq', 'bigint', (col) => col.notNull().defaultTo(0))
      .addColumn('version', 'bigint', (col) => col.notNull().defaultTo(0))
      .addColumn('last_feed_id', 'bigint', (col) => col.notNull().defaultTo(0))
      .execute();
    await sql`CREATE INDEX batches_listing ON batches (created_at DESC, id) WHERE visible`.execute(
      db,
    );

    await db.schema
      .createTable('items')
      .addColumn('id', 'text', (col) => col.primaryKey())
      .addColumn('batch_id', 'text', (col) => col.notNull())
      .addColumn('idx', 'integer')
      .addColumn('row_number', 'integer')
      .addColumn('order_url', 'text')
      .addColumn('amount', 'text')
      .addColumn('extra', 'jsonb', (col) => col.notNull().defaultTo(sql`'{}'::jsonb`))
      .addColumn('status', 'text', (col) => col.notNull().defaultTo('pending'))
      .addColumn('attempts', 'integer', (col) => col.notNull().defaultTo(0))
      .addColumn('order_number', 'text')
      .addColumn('final_order_url', 'text')
      .addColumn('failure_reason', 'text')
      .addColumn('error_code', 'text')
      .addColumn('next_attempt_at', 'timestamptz')
      .addColumn('updated_by', 'text')
      .addColumn('started_at', 'timestamptz')
      .addColumn('finished_at', 'timestamptz')
      .addColumn('updated_at', 'timestamptz')
      .addColumn('last_seq', 'bigint', (col) => col.notNull().defaultTo(0))
      .execute();
    await db.schema
      .createIndex('items_by_batch')
      .on('items')
      .columns(['batch_id', 'idx'])
      .execute();
    await db.schema
      .createIndex('items_by_batch_status')
      .on('items')
      .columns(['batch_id', 'status', 'idx'])
      .execute();

    await db.schema
      .createTable('attempts')
      .addColumn('item_id', 'text', (col) => col.notNull())
      .addColumn('attempt', 'integer', (col) => col.notNull())
      .addColumn('batch_id', 'text', (col) => col.notNull())
      .addColumn('worker_id', 'text')
      .addColumn('recipe', 'text')
      .addColumn('effect_step', 'text')
      .addColumn('verify_first', 'boolean')
      .addColumn('outcome', 'text')
      .addColumn('error_code', 'text')
      .addColumn('message', 'text')
      .addColumn('retryable', 'boolean')
      .addColumn('step', 'text')
      .addColumn('details', 'jsonb')
      .addColumn('order_number', 'text')
      .addColumn('final_order_url', 'text')
      .addColumn('timings', 'jsonb')
      .addColumn('artifacts', 'jsonb')
      .addColumn('dispatched_at', 'timestamptz')
      .addColumn('started_at', 'timestamptz')
      .addColumn('finished_at', 'timestamptz')
      .addColumn('outcome_seq', 'bigint', (col) => col.notNull().defaultTo(0))
      .addPrimaryKeyConstraint('attempts_pkey', ['item_id', 'attempt'])
      .execute();

    await db.schema
      .createTable('event_log')
      .addColumn('seq', 'bigint', (col) => col.primaryKey())
      .addColumn('event_id', 'text', (col) => col.notNull())
      .addColumn('batch_id', 'text', (col) => col.notNull())
      .addColumn('item_id', 'text')
      .addColumn('type', 'text', (col) => col.notNull())
      .addColumn('attempt', 'integer')
      .addColumn('causation_id', 'text')
      .addColumn('time', 'timestamptz', (col) => col.notNull())
      .addColumn('data', 'jsonb', (col) => col.notNull())
      .addColumn('feed_id', 'bigint', (col) => col.notNull().generatedAlwaysAsIdentity())
      .execute();
    await db.schema
      .createIndex('event_log_by_batch')
      .on('event_log')
      .columns(['batch_id', 'feed_id'])
      .execute();
    await sql`CREATE INDEX event_log_by_item ON event_log (item_id, seq) WHERE item_id IS NOT NULL`.execute(
      db,
    );
    await sql`CREATE INDEX event_log_by_causation ON event_log (causation_id) WHERE causation_id IS NOT NULL`.execute(
      db,
    );

    await db.schema
      .createTable('idempotency_keys')
      .addColumn('key_id', 'text', (col) => col.primaryKey())
      .addColumn('request_hash', 'text', (col) => col.notNull())
      .addColumn('batch_id', 'text', (col) => col.notNull())
      .addColumn('created_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
      .execute();
  },
  async down(db: Kysely<unknown>) {
    for (const table of ['idempotency_keys', 'event_log', 'attempts', 'items', 'batches']) {
      await db.schema.dropTable(table).ifExists().execute();
    }
  },
};

/**
 * Indexes items by order link, for the check that stops a batch from working orders that
 * another batch already did. A hash index, because links are only compared for equality and
 * may be up to 2,048 characters long. Building it locks item writes while it runs (an
 * estimate: seconds for a million items).
 */
const itemsByOrderUrl: Migration = {
  async up(db: Kysely<unknown>) {
    await sql`CREATE INDEX items_by_order_url ON items USING hash (order_url)`.execute(db);
  },
  async down(db: Kysely<unknown>) {
    await db.schema.dropIndex('items_by_order_url').ifExists().execute();
  },
};

/** Every migration of the read model, by name; names sort in the order they apply. */
export const MIGRATIONS: Record<string, Migration> = {
  '0001_initial_schema': initialSchema,
  '0002_items_by_order_url': itemsByOrderUrl,
};

/** Hands the migrations above to Kysely's Migrator without reading a folder. */
export const migrationProvider: MigrationProvider = {
  getMigrations: async () => MIGRATIONS,
};
