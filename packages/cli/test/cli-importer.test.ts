import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { configSchema as importerConfigSchema, startImporter } from '@orderflow/importer';
import { createLogger, parseConfig } from '@orderflow/service-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CliTestStack, startCliTestStack } from './cli-stack';

const repositoryRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/**
 * Each test runs the CLI as one or more Node processes, which can take seconds apiece on a busy
 * machine, so the tests get more time than the project's default.
 */
const CLI_TEST_TIMEOUT_MS = 90_000;

let stack: CliTestStack;
let stopImporter: () => Promise<void>;
let workDir: string;

beforeAll(async () => {
  stack = await startCliTestStack({ standInForImporter: false });
  // The sample workbook links to the demo shop on 127.0.0.1, which the address policy blocks
  // unless it is allowed.
  const config = parseConfig(importerConfigSchema, {
    LOG_LEVEL: 'silent',
    ADDRESS_POLICY_ALLOW_HOSTS: '127.0.0.1',
  });
  const importer = await startImporter(config, {
    nc: stack.connection,
    log: createLogger('cli-test-importer', 'silent'),
  });
  stopImporter = () => importer.stop();
  workDir = mkdtempSync(join(tmpdir(), 'orderflow-cli-import-'));
});

afterAll(async () => {
  await stopImporter?.();
  await stack?.close();
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

function writeCsv(name: string, lines: string[]): string {
  const path = join(workDir, name);
  writeFileSync(path, `${lines.join('\r\n')}\r\n`);
  return path;
}

describe('submit with the real importer', { timeout: CLI_TEST_TIMEOUT_MS }, () => {
  it('imports the sample workbook', async () => {
    const run = await stack.run(['submit', 'examples/orders.xlsx', '--json'], {
      cwd: repositoryRoot,
    });

    expect(run.code).toBe(0);
    const batch = JSON.parse(run.stdout);
    expect(batch.name).toBe('orders');
    expect(batch.total_items).toBe(50);
    expect(batch.status).toBe('pending');
  });

  it('lists the rows the importer rejects', async () => {
    const file = writeCsv('bad.csv', [
      'order_url,amount',
      'https://shop.example/orders/1,12.50',
      'https://shop.example/orders/2,twelve',
      'not a link,3.00',
    ]);

    const run = await stack.run(['submit', file]);

    expect(run.code).toBe(1);
    expect(run.stderr).toContain('HTTP 422 IMPORT_REJECTED');
    expect(run.stderr).toMatch(/^ {2}Row 3, column amount, .*twelve.*$/m);
    expect(run.stderr).toMatch(/^ {2}Row 4, column order_url, .*not a link.*$/m);
  });

  it('skips invalid rows on request', async () => {
    const file = writeCsv('mixed.csv', [
      'order_url,amount',
      'https://shop.example/orders/1,12.50',
      'https://shop.example/orders/2,twelve',
    ]);

    const run = await stack.run(['submit', file, '--skip-invalid', '--name', 'mixed']);

    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^Created batch \S+ "mixed" with 1 item\.$/m);
    expect(run.stdout).toContain('Skipped 1 invalid row:');
    expect(run.stdout).toMatch(/^ {2}Row 3, column amount, .*twelve.*$/m);
  });
});
