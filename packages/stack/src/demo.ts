import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startDemoShop } from '@orderflow/demo-shop';
import { type DemoBatch, DemoClient, type DemoItem } from './demo-client';
import { formatLogLine } from './log-format';
import { renderProgressBar } from './progress-bar';
import { startStack } from './stack';

/** Port of the demo shop; the sample workbook's links point at it. */
const DEMO_SHOP_PORT = 8900;
const FINISHED = new Set(['completed', 'failed', 'cancelled']);
const DEMO_TIMEOUT_MS = 10 * 60_000;

const rootDir = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const sampleFile = join(rootDir, 'examples', 'orders.xlsx');
const expected = JSON.parse(
  readFileSync(join(rootDir, 'examples', 'orders.expected.json'), 'utf8'),
) as {
  total: number;
  success: number;
  failed: number;
  skipped: number;
  failures: Array<{ orderId: string; code: string }>;
};
const verbose = process.argv.includes('--verbose');
const interactive = process.stdout.isTTY === true;

function say(line: string): void {
  process.stdout.write(`${line}\n`);
}

/** Settings that make the demo finish in about a minute: short timeouts and few retries. */
const DEMO_ENV = {
  ADDRESS_POLICY_ALLOW_HOSTS: '127.0.0.1',
  CHROMIUM_CONFINE: 'true',
  BATCH_TASK_TIMEOUT: '8',
  BATCH_TASK_RETRY_LIMIT: '1',
  RETRY_BASE_DELAY_MS: '500',
  RETRY_MAX_DELAY_MS: '2000',
  ATTEMPT_TIMEOUT_GRACE_MS: '5000',
  LOG_LEVEL: 'warn',
};

async function watch(client: DemoClient, batchId: string): Promise<DemoBatch> {
  const deadline = Date.now() + DEMO_TIMEOUT_MS;
  let lastLine = '';
  while (Date.now() < deadline) {
    const batch = await client.batch(batchId);
    const { success, failed, skipped, processing } = batch.counts;
    const line = `${renderProgressBar(success + failed + skipped, batch.total_items)}  success ${success}  failed ${failed}  running ${processing}`;
    if (interactive) process.stdout.write(`\r${line}`);
    else if (line !== lastLine) say(line);
    lastLine = line;
    if (FINISHED.has(batch.status)) {
      if (interactive) process.stdout.write('\n');
      return batch;
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw new Error(`the batch did not finish within ${DEMO_TIMEOUT_MS / 60_000} minutes`);
}

function orderIdOf(item: DemoItem): string {
  return new URL(item.order_url).pathname.split('/').pop() ?? '';
}

function compare(batch: DemoBatch, failures: DemoItem[]): string[] {
  const problems: string[] = [];
  for (const status of ['success', 'failed', 'skipped'] as const) {
    if (batch.counts[status] !== expected[status]) {
      problems.push(`expected ${expected[status]} ${status} items, got ${batch.counts[status]}`);
    }
  }
  for (const want of expected.failures) {
    const item = failures.find((candidate) => orderIdOf(candidate) === want.orderId);
    if (!item) problems.push(`expected order ${want.orderId} to fail with ${want.code}`);
    else if (item.error_code !== want.code) {
      problems.push(`order ${want.orderId} failed with ${item.error_code}, expected ${want.code}`);
    }
  }
  return problems;
}

async function main(): Promise<number> {
  const dataDir = await mkdtemp(join(tmpdir(), 'orderflow-demo-'));
  const resultsDir = join(rootDir, '.data', 'demo-results');
  mkdirSync(resultsDir, { recursive: true });

  say(
    `Starting the demo shop on 127.0.0.1:${DEMO_SHOP_PORT}, NATS, Postgres and the four services...`,
  );
  const shop = await startDemoShop({ port: DEMO_SHOP_PORT, host: '127.0.0.1' });
  const stack = await startStack({
    rootDir,
    dataDir,
    gatewayPort: 0,
    apiTokens: 'demo-token',
    env: DEMO_ENV,
    output: (name, line) => {
      if (verbose) say(`${name.padEnd(14)} | ${formatLogLine(line)}`);
    },
  }).catch(async (error: unknown) => {
    await shop.close();
    throw error;
  });

  try {
    const client = new DemoClient(stack.gatewayUrl, stack.apiToken);
    say(`Uploading ${sampleFile} ...`);
    const created = await client.upload(sampleFile, 'Demo: March orders');
    say(`Batch ${created.id} created with ${created.total_items} items; starting it.`);
    await client.control(created.id, 'start');

    const batch = await watch(client, created.id);
    const failures = await client.failedItems(created.id);
    const exported = await client.export(created.id, 'xlsx');
    const exportPath = join(resultsDir, `results-${created.id}.xlsx`);
    writeFileSync(exportPath, exported);

    // The stack stops when the demo ends, so screenshot links would lead nowhere: each
    // failure's screenshot is saved beside the results workbook instead.
    const screenshotsDir = join(resultsDir, `screenshots-${created.id}`);
    mkdirSync(screenshotsDir, { recursive: true });
    const screenshots = new Map<number, string>();
    for (const item of failures) {
      if (!item.screenshot_url) continue;
      const path = join(screenshotsDir, `row-${item.row_number}.png`);
      writeFileSync(path, await client.download(item.screenshot_url));
      screenshots.set(item.row_number, path);
    }

    say('');
    say(`Batch ${batch.id} finished with status ${batch.status}.`);
    say(
      `  success ${batch.counts.success}, failed ${batch.counts.failed}, skipped ${batch.counts.skipped}`,
    );
    if (failures.length > 0) say('Failed rows:');
    for (const item of failures) {
      const screenshot = screenshots.get(item.row_number) ?? 'no screenshot';
      say(
        `  row ${item.row_number}: ${item.error_code} after ${item.attempts} attempt(s): ${item.failure_reason}`,
      );
      say(`    screenshot: ${screenshot}`);
    }
    say(`Results workbook: ${exportPath}`);

    const problems = compare(batch, failures);
    if (problems.length === 0) {
      say('The outcome matches examples/orders.expected.json.');
      return 0;
    }
    say('The outcome differs from examples/orders.expected.json:');
    for (const problem of problems) say(`  - ${problem}`);
    return 1;
  } finally {
    say('Stopping the services, NATS, Postgres and the demo shop...');
    await stack.stop();
    await shop.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(
      `demo failed: ${error instanceof Error ? error.message : String(error)}\n`,
    );
    process.exit(1);
  },
);
