import { type ChildProcess, spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const rootDir = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const START_TIMEOUT_MS = 120_000;

/** Lists the process ids below `pid`, read from /proc. */
function descendants(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of listPids()) {
    const parent = parentOf(entry);
    if (parent === undefined) continue;
    children.set(parent, [...(children.get(parent) ?? []), entry]);
  }
  const found: number[] = [];
  const queue = [pid];
  while (queue.length > 0) {
    for (const child of children.get(queue.shift()!) ?? []) {
      found.push(child);
      queue.push(child);
    }
  }
  return found;
}

function listPids(): number[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .map(Number);
}

function parentOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return undefined;
  }
}

function commandLine(pid: number): string {
  try {
    return `${pid}: ${readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ')}`;
  } catch {
    return `${pid}: (gone)`;
  }
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return parentOf(pid) !== undefined;
  } catch {
    return false;
  }
}

describe('npm start', () => {
  let child: ChildProcess | undefined;
  let dataDir: string | undefined;

  afterAll(async () => {
    if (child?.exitCode === null) child.kill('SIGKILL');
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('brings up every service and stops all on Ctrl-C', async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'orderflow-start-'));
    const env: Record<string, string | undefined> = {
      ...process.env,
      ORDERFLOW_DATA_DIR: dataDir,
      PORT: '0',
      LOG_LEVEL: 'warn',
      CHROMIUM_CONFINE: 'true',
    };
    delete env.NATS_URL;
    delete env.DATABASE_URL;
    delete env.API_TOKENS;
    child = spawn(process.execPath, ['--import', 'tsx', 'packages/stack/src/main.ts'], {
      cwd: rootDir,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const lines: string[] = [];
    const ready = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () =>
          reject(new Error(`no ready line within ${START_TIMEOUT_MS} ms:\n${lines.join('\n')}`)),
        START_TIMEOUT_MS,
      );
      createInterface({ input: child!.stdout! }).on('line', (line) => {
        lines.push(line);
        if (line.includes('press Ctrl-C')) {
          clearTimeout(timer);
          resolve();
        }
      });
      child!.once('exit', (code) =>
        reject(new Error(`npm start exited with ${code}:\n${lines.join('\n')}`)),
      );
    });
    await ready;

    const healthUrls = lines
      .map((line) => line.match(/(\S+) healthy at (http\S+)/))
      .filter((match) => match !== null)
      .map((match) => ({ name: match[1], url: match[2]! }));
    expect(healthUrls.map((entry) => entry.name).sort()).toEqual([
      'gateway',
      'importer',
      'scheduler',
      'worker',
    ]);
    for (const { url } of healthUrls) expect((await fetch(url)).status).toBe(200);

    const apiUrl = lines.join('\n').match(/API at (http\S+\/api\/v1\/batch-tasks)/)?.[1];
    const token = readFileSync(join(dataDir, 'api-token'), 'utf8').trim();
    expect(lines.join('\n')).toContain(
      `API token (stored in ${join(dataDir, 'api-token')}): ${token}`,
    );
    const list = await fetch(apiUrl!, { headers: { authorization: `Bearer ${token}` } });
    expect(list.status).toBe(200);
    expect((await fetch(apiUrl!)).status).toBe(401);

    const started = descendants(child.pid!);
    expect(started.length).toBeGreaterThanOrEqual(6);
    const exited = new Promise<number | null>((resolve) => child!.once('exit', resolve));
    child.kill('SIGINT');
    expect(await exited).toBe(0);
    // Grandchildren such as Postgres's background workers end shortly after their parents.
    const deadline = Date.now() + 10_000;
    while (started.some(isRunning) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const leftOver = started.filter(isRunning).map(commandLine);
    expect(leftOver).toEqual([]);
  });
});
