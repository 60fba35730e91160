import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { API_BASE_PATH } from '@orderflow/contracts';
import { createTestDatabase, findFreePort, startNatsServer, waitForPort } from '@orderflow/harness';
import { expect, test } from 'vitest';

const MAIN_PATH = fileURLToPath(new URL('../src/main.ts', import.meta.url));

test('main process serves and stops', async () => {
  const nats = await startNatsServer();
  const database = await createTestDatabase();
  const dir = await mkdtemp(join(tmpdir(), 'gateway-main-'));
  const tokenFile = join(dir, 'api-token');
  const port = await findFreePort();
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN_PATH], {
    env: {
      ...process.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      NATS_URL: nats.url,
      DATABASE_URL: database.url,
      API_TOKENS: '',
      API_TOKEN_FILE: tokenFile,
      LOG_LEVEL: 'info',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));

  try {
    await waitForPort(port, 60_000);
    const base = `http://127.0.0.1:${port}`;
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    const token = (await readFile(tokenFile, 'utf8')).trim();
    expect((await fetch(`${base}${API_BASE_PATH}`)).status).toBe(401);
    const listed = await fetch(`${base}${API_BASE_PATH}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(listed.status).toBe(200);

    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(output).toContain('generated an API token and wrote it to the file');
    expect(output).toContain(tokenFile);
    expect(output).not.toContain(token);
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
    await nats.stop();
    await database.drop();
    await rm(dir, { recursive: true, force: true });
  }
});
