import { existsSync } from 'node:fs';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import {
  createTestDatabase,
  resolveChromium,
  serveFixtures,
  startEmbeddedPostgres,
  startNatsServer,
} from '../src/index';

async function query(url: string, sql: string): Promise<pg.QueryResult> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await client.query(sql);
  } finally {
    await client.end();
  }
}

describe('startNatsServer', () => {
  it('starts JetStream with monitoring and removes its store on stop', async () => {
    const nats = await startNatsServer({ monitor: true });
    const response = await fetch(`${nats.monitorUrl}/jsz`);
    const jsz = (await response.json()) as { config?: { store_dir?: string } };
    expect(jsz.config?.store_dir).toContain(nats.storeDir);
    await nats.stop();
    expect(existsSync(nats.storeDir)).toBe(false);
  });

  it('gives each server its own port and store', async () => {
    await using first = await startNatsServer();
    await using second = await startNatsServer();
    expect(first.port).not.toBe(second.port);
    expect(first.storeDir).not.toBe(second.storeDir);
  });
});

describe('createTestDatabase', () => {
  const created: Array<{ drop(): Promise<void> }> = [];
  afterAll(async () => {
    for (const database of created) await database.drop();
  });

  it('isolates suites in separate databases', async () => {
    const first = await createTestDatabase();
    const second = await createTestDatabase();
    created.push(first, second);
    await query(first.url, 'CREATE TABLE marker (id int)');
    const inSecond = await query(
      second.url,
      "SELECT count(*)::int AS n FROM information_schema.tables WHERE table_name = 'marker'",
    );
    expect(first.name).not.toBe(second.name);
    expect(inSecond.rows[0].n).toBe(0);
  });

  it('drops the database', async () => {
    const database = await createTestDatabase();
    await database.drop();
    await expect(query(database.url, 'SELECT 1')).rejects.toThrow(/does not exist/);
  });
});

describe('startEmbeddedPostgres', () => {
  it('starts a server that answers queries', async () => {
    const server = await startEmbeddedPostgres();
    try {
      const result = await query(server.adminUrl, 'SELECT 1 + 1 AS two');
      expect(result.rows[0].two).toBe(2);
    } finally {
      await server.stop();
    }
  });
});

describe('resolveChromium', () => {
  it('returns an existing binary', () => {
    expect(existsSync(resolveChromium())).toBe(true);
  });
});

describe('serveFixtures', () => {
  it('serves on 127.0.0.1 and a free port', async () => {
    await using site = await serveFixtures((_request, response) => response.end('hello'));
    expect(site.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(await (await fetch(site.url)).text()).toBe('hello');
  });
});
