import { createTestDatabase, type TestDatabase } from '@orderflow/harness';
import { sql } from 'kysely';
import pino from 'pino';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { createDatabase } from '../src/db/database';

let database: TestDatabase;

beforeAll(async () => {
  database = await createTestDatabase();
});

afterAll(async () => {
  await database?.drop();
});

async function waitFor(condition: () => boolean, description: string): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${description}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

test('pool survives a checked-out connection ending', async () => {
  const warnings: string[] = [];
  const log = pino({ level: 'warn' }, { write: (line: string) => warnings.push(line) });
  const db = createDatabase({ url: database.url, log });
  try {
    await db.connection().execute(async (connection) => {
      const { rows } = await sql<{ pid: number }>`SELECT pg_backend_pid() AS pid`.execute(
        connection,
      );
      // Another pooled connection ends this one, as a Postgres shutdown does, while it is
      // checked out and no query of it is running.
      await sql`SELECT pg_terminate_backend(${rows[0]!.pid})`.execute(db);
      await waitFor(
        () => warnings.some((line) => line.includes('Postgres connection in use failed')),
        'the lost connection to be logged',
      );
      await expect(sql`SELECT 1`.execute(connection)).rejects.toThrow();
    });

    const { rows } = await sql<{ one: number }>`SELECT 1 AS one`.execute(db);
    expect(rows[0]!.one).toBe(1);
  } finally {
    await db.destroy();
  }
});
