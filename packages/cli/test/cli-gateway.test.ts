import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deriveItemId, type ImportBatchCommand, newId } from '@orderflow/contracts';
import { findFreePort } from '@orderflow/harness';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CliTestStack, startCliTestStack, TEST_TOKEN } from './cli-stack';
import { batchEvent, importedEvents } from './service-stand-in';

const repositoryRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const sampleWorkbook = join(repositoryRoot, 'examples', 'orders.xlsx');

/**
 * Each test runs the CLI as one or more Node processes, which can take seconds apiece on a busy
 * machine, so the tests get more time than the project's default.
 */
const CLI_TEST_TIMEOUT_MS = 90_000;

let stack: CliTestStack;
let workDir: string;

beforeAll(async () => {
  stack = await startCliTestStack();
  workDir = mkdtempSync(join(tmpdir(), 'orderflow-cli-test-'));
});

afterAll(async () => {
  await stack?.close();
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

/** Reads a batch through the API until `accept` holds for it. */
async function batchWhen(
  batchId: string,
  accept: (batch: Record<string, unknown>) => boolean = () => true,
): Promise<Record<string, unknown>> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const response = await fetch(`${stack.apiUrl}/api/v1/batch-tasks/${batchId}`, {
      headers: { authorization: `Bearer ${TEST_TOKEN}` },
    });
    const body = await response.text();
    if (response.status === 200) {
      const batch = JSON.parse(body) as Record<string, unknown>;
      if (accept(batch)) return batch;
    }
    if (Date.now() > deadline) {
      const health = await fetch(`${stack.apiUrl}/readyz`)
        .then((ready) => ready.text())
        .catch((error: Error) => `unreachable (${error.message})`);
      throw new Error(
        `batch ${batchId} did not reach the state in time; last response HTTP ${response.status} ` +
          `${body.slice(0, 500)}; readiness ${health.slice(0, 500)}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/**
 * Creates a batch of `count` items as the importer would, and waits until the API shows it.
 * Links are unique to the batch unless `orderUrlBase` is given.
 */
async function createBatch(
  count: number,
  name = 'test batch',
  orderUrlBase = `https://shop.test/${newId()}`,
): Promise<string> {
  const batchId = newId();
  const command: ImportBatchCommand = {
    type: 'import',
    commandId: newId(),
    batchId,
    issuedAt: new Date().toISOString(),
    name,
    source: { kind: 'items', items: [] },
    options: { skipInvalid: false, allowDuplicates: false },
  };
  const items = Array.from({ length: count }, (_, index) => ({
    orderUrl: `${orderUrlBase}/${index}`,
    amount: `${index + 1}.00`,
  }));
  await stack.services.publish(...importedEvents(command, items, 'json'));
  await batchWhen(batchId);
  return batchId;
}

function succeeded(batchId: string, index: number) {
  return batchEvent(
    'item.succeeded',
    batchId,
    { attempt: 1, orderNumber: `ON-${index}`, finalOrderUrl: `https://shop.test/done/${index}` },
    index,
  );
}

function failed(batchId: string, index: number) {
  return batchEvent(
    'item.failed',
    batchId,
    { attempt: 1, code: 'AMOUNT_MISMATCH', message: 'The page shows 9.99 instead of 1.00.' },
    index,
  );
}

function finished(batchId: string, counts: { succeeded: number; failed: number }) {
  const status = counts.succeeded > 0 ? 'completed' : 'failed';
  return batchEvent('batch.finished', batchId, { status, ...counts, skipped: 0 });
}

function writeJson(name: string, content: unknown): string {
  const path = join(workDir, name);
  writeFileSync(path, JSON.stringify(content));
  return path;
}

describe('authentication and errors', { timeout: CLI_TEST_TIMEOUT_MS }, () => {
  it('exits 1 with the message of a 401', async () => {
    const run = await stack.run(['list'], { env: { ORDERFLOW_API_TOKEN: 'wrong-token' } });

    expect(run.code).toBe(1);
    expect(run.stderr).toContain('HTTP 401 UNAUTHORIZED');
    expect(run.stderr).toContain('--token or ORDERFLOW_API_TOKEN');
  });

  it('prefers --token over the environment', async () => {
    const run = await stack.run(['list', '--token', TEST_TOKEN], {
      env: { ORDERFLOW_API_TOKEN: 'wrong-token' },
    });

    expect(run.code).toBe(0);
  });

  it('exits 1 for an unknown batch', async () => {
    const run = await stack.run(['status', 'no-such-batch']);

    expect(run.code).toBe(1);
    expect(run.stderr).toContain('HTTP 404 NOT_FOUND: Batch no-such-batch was not found.');
    expect(run.stderr).toMatch(/request id: \S+/);
  });

  it('prints the error body with --json', async () => {
    const run = await stack.run(['status', 'no-such-batch', '--json']);

    expect(run.code).toBe(1);
    expect(JSON.parse(run.stdout).error.code).toBe('NOT_FOUND');
  });

  it('exits 1 when nothing listens', async () => {
    const port = await findFreePort();

    const run = await stack.run(['list', '--api-url', `http://127.0.0.1:${port}`]);

    expect(run.code).toBe(1);
    expect(run.stderr).toContain('ECONNREFUSED');
  });
});

describe('submit', { timeout: CLI_TEST_TIMEOUT_MS }, () => {
  it('creates a batch from a JSON file', async () => {
    const file = writeJson('march.json', {
      name: 'from the file',
      description: 'three orders',
      task_items: [
        { order_url: 'https://shop.test/a', amount: '1.50' },
        { order_url: 'https://shop.test/b', amount: 2 },
        { order_url: 'https://shop.test/c', amount: '3' },
      ],
    });

    const run = await stack.run(['submit', file, '--name', 'March', '--max-concurrency', '2']);

    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^Created batch \S+ "March" with 3 items\.$/m);
    const command = stack.services.importCommands.at(-1)!;
    expect(command.name).toBe('March');
    expect(command.description).toBe('three orders');
    expect(command.options.maxConcurrency).toBe(2);
    expect(command.idempotencyKey).toMatch(/^cli-/);
  });

  it('prints the created batch with --json', async () => {
    const file = writeJson('plain-list.json', [{ order_url: 'https://shop.test/x', amount: '5' }]);

    const run = await stack.run(['submit', file, '--json']);

    expect(run.code).toBe(0);
    const batch = JSON.parse(run.stdout);
    expect(batch.name).toBe('plain-list');
    expect(batch.total_items).toBe(1);
    expect(batch.status).toBe('pending');
  });

  it('creates one batch for a repeated idempotency key', async () => {
    const file = writeJson('repeat.json', [{ order_url: 'https://shop.test/r', amount: '1' }]);
    const key = `key-${newId()}`;

    const first = await stack.run(['submit', file, '--idempotency-key', key, '--json']);
    const second = await stack.run(['submit', file, '--idempotency-key', key, '--json']);

    expect(first.code).toBe(0);
    expect(second.code).toBe(0);
    expect(JSON.parse(second.stdout).id).toBe(JSON.parse(first.stdout).id);
  });

  it('lists the row errors of a rejected import', async () => {
    const file = writeJson('bad.json', {
      name: 'bad amounts',
      task_items: [
        { order_url: 'https://shop.test/ok', amount: '1' },
        { order_url: 'https://shop.test/bad', amount: 'twelve' },
      ],
    });

    const run = await stack.run(['submit', file]);

    expect(run.code).toBe(1);
    expect(run.stderr).toContain('HTTP 422 IMPORT_REJECTED');
    expect(run.stderr).toContain('item 1, column amount: twelve is not an amount');
  });

  it('exits 1 for a file that is not JSON', async () => {
    const path = join(workDir, 'broken.json');
    writeFileSync(path, '{ "name": ');

    const run = await stack.run(['submit', path]);

    expect(run.code).toBe(1);
    expect(run.stderr).toContain('broken.json is not valid JSON');
  });

  it('uploads a workbook as a multipart form', async () => {
    stack.services.onImport = (command) =>
      importedEvents(
        command,
        [
          { orderUrl: 'https://shop.test/w1', amount: '10.00' },
          { orderUrl: 'https://shop.test/w2', amount: '20.00' },
        ],
        'xlsx',
      );

    const run = await stack.run(
      ['submit', 'orders.xlsx', '--description', 'sample', '--skip-invalid', '--allow-duplicates'],
      { cwd: dirname(sampleWorkbook) },
    );

    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^Created batch \S+ "orders" with 2 items\.$/m);
    const command = stack.services.importCommands.at(-1)!;
    expect(command.source).toMatchObject({
      kind: 'object',
      fileName: 'orders.xlsx',
      contentType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
      sizeBytes: statSync(sampleWorkbook).size,
    });
    expect(command.description).toBe('sample');
    expect(command.options.skipInvalid).toBe(true);
    expect(command.options.allowDuplicates).toBe(true);
  });

  it('starts and watches the new batch', async () => {
    stack.services.onImport = (command) =>
      importedEvents(command, [{ orderUrl: 'https://shop.test/s', amount: '1.00' }], 'json');
    const file = writeJson('start.json', [{ order_url: 'https://shop.test/s', amount: '1' }]);
    let published = false;

    const run = await stack.run(['submit', file, '--start', '--watch'], {
      onStdout: (text) => {
        const started = /Started batch (\S+);/.exec(text);
        if (!started || published) return;
        published = true;
        const batchId = started[1]!;
        void stack.services.publish(
          succeeded(batchId, 0),
          finished(batchId, { succeeded: 1, failed: 0 }),
        );
      },
    });

    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/Started batch \S+; status processing\./);
    expect(run.stdout).toMatch(/completed {2}\[#+\] {2}100% {2}1\/1 {2}success 1/);
    expect(run.stdout).toMatch(/Batch \S+ completed: success 1, failed 0, skipped 0\./);
  });
});

describe('status, list and items', { timeout: CLI_TEST_TIMEOUT_MS }, () => {
  let batchId: string;

  beforeAll(async () => {
    batchId = await createBatch(4, 'status batch');
    await stack.services.publish(
      batchEvent('batch.started', batchId, { maxConcurrency: 2 }),
      succeeded(batchId, 0),
      failed(batchId, 1),
    );
    await batchWhen(batchId, (batch) => (batch.counts as { failed: number }).failed === 1);
  });

  it('shows a batch with its counts and items', async () => {
    const run = await stack.run(['status', batchId]);

    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(new RegExp(`^Batch +${batchId}$`, 'm'));
    expect(run.stdout).toMatch(/^Status +processing$/m);
    expect(run.stdout).toMatch(/^Progress +\[#+-+\] 50% {2}2\/4 items done$/m);
    expect(run.stdout).toMatch(
      /^Items +pending 2 {2}processing 0 {2}success 1 {2}failed 1 {2}skipped 0$/m,
    );
    expect(run.stdout).toMatch(
      /^ROW +ITEM +STATUS +ATTEMPTS +AMOUNT +ORDER URL +ORDER NUMBER +FAILURE$/m,
    );
    expect(run.stdout).toMatch(/success .* ON-0/);
    expect(run.stdout).not.toContain('\u001b[');
  });

  it('prints the batch as JSON', async () => {
    const run = await stack.run(['status', batchId, '--json']);

    expect(run.code).toBe(0);
    const batch = JSON.parse(run.stdout);
    expect(batch.id).toBe(batchId);
    expect(batch.counts.success).toBe(1);
    expect(batch.task_items).toHaveLength(4);
  });

  it('lists failed items with their reasons', async () => {
    const run = await stack.run(['status', batchId, '--failed']);

    expect(run.code).toBe(0);
    const lines = run.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^ROW +ITEM +STATUS +ATTEMPTS +CODE +ORDER URL +REASON/);
    expect(lines[1]).toContain('AMOUNT_MISMATCH');
    expect(lines[1]).toContain('The page shows 9.99 instead of 1.00.');
    expect(lines[1]).toContain(deriveItemId(batchId, 1));
  });

  it('lists batches as a table and as JSON', async () => {
    await createBatch(1, 'second batch');

    const table = await stack.run(['list', '--status', 'processing']);
    const limited = await stack.run(['list', '--limit', '1']);
    const json = await stack.run(['list', '--status', 'processing', '--json', '--limit', '50']);

    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^ID +NAME +STATUS +DONE +ITEMS +SUCCESS +FAILED +CREATED$/m);
    expect(table.stdout).toMatch(
      new RegExp(`^${batchId} +status batch +processing +50% +4 +1 +1 `, 'm'),
    );
    expect(limited.stdout).toMatch(/^Newest 1 of \d+ batches; show more with --limit\.$/m);
    const batches = JSON.parse(json.stdout) as Array<{ id: string; status: string }>;
    expect(batches.map((batch) => batch.id)).toContain(batchId);
    expect(batches.every((batch) => batch.status === 'processing')).toBe(true);
  });

  it('lists items of one status', async () => {
    const run = await stack.run(['items', batchId, '--status', 'pending', '--json']);

    expect(run.code).toBe(0);
    const items = JSON.parse(run.stdout);
    expect(items.map((item: { row_number: number }) => item.row_number)).toEqual([2, 3]);
  });

  it('rejects an unknown item status', async () => {
    const run = await stack.run(['items', batchId, '--status', 'done']);

    expect(run.code).toBe(2);
    expect(run.stderr).toContain(
      "option --status must be one of pending, processing, success, failed, skipped, got 'done'",
    );
  });

  it('sets an item result by hand', async () => {
    const itemId = deriveItemId(batchId, 3);

    const run = await stack.run([
      'set-item',
      itemId,
      '--status',
      'success',
      '--order-number',
      'HAND-1',
      '--final-order-url',
      'https://shop.test/done/hand',
    ]);

    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(new RegExp(`^Item +${itemId}$`, 'm'));
    expect(run.stdout).toMatch(/^Status +success$/m);
    expect(run.stdout).toMatch(/^Order number +HAND-1$/m);
  });
});

describe('control and retry', { timeout: CLI_TEST_TIMEOUT_MS }, () => {
  it('starts, pauses, resumes and cancels a batch', async () => {
    const batchId = await createBatch(2);

    const start = await stack.run(['start', batchId]);
    const pause = await stack.run(['pause', batchId]);
    const resume = await stack.run(['resume', batchId, '--json']);
    const cancel = await stack.run(['cancel', batchId]);

    expect(start.stdout).toBe(`Started batch ${batchId}; status processing.\n`);
    expect(pause.stdout).toBe(`Paused batch ${batchId}; status paused.\n`);
    expect(JSON.parse(resume.stdout)).toMatchObject({ id: batchId, paused: false });
    expect(cancel.stdout).toBe(`Cancellation requested for batch ${batchId}; status processing.\n`);
    expect([start.code, pause.code, resume.code, cancel.code]).toEqual([0, 0, 0, 0]);
    expect(
      stack.services.batchCommands.filter((command) => command.batchId === batchId),
    ).toHaveLength(4);
  });

  it('rejects orders another batch did', async () => {
    const orderUrlBase = `https://shop.test/${newId()}`;
    const earlier = await createBatch(2, 'earlier batch', orderUrlBase);
    await stack.services.publish(succeeded(earlier, 1));
    await batchWhen(earlier, (batch) => (batch.counts as { success: number }).success === 1);
    const later = await createBatch(2, 'later batch', orderUrlBase);

    const rejected = await stack.run(['start', later]);
    const allowed = await stack.run(['start', later, '--allow-repeated-orders']);

    expect(rejected.code).toBe(1);
    expect(rejected.stderr).toContain('HTTP 409 REPEATED_ORDERS');
    expect(rejected.stderr).toContain(`item 1, column order_url: success in batch ${earlier}`);
    expect(rejected.stderr).toContain(`orderflow start ${later} --allow-repeated-orders`);
    expect(allowed.code).toBe(0);
    expect(allowed.stdout).toBe(`Started batch ${later}; status processing.\n`);
  });

  it('exits 1 for an action the status does not allow', async () => {
    const batchId = await createBatch(1);

    const run = await stack.run(['resume', batchId]);

    expect(run.code).toBe(1);
    expect(run.stderr).toContain('HTTP 409 INVALID_TRANSITION');
    expect(run.stderr).toContain('only a paused batch can be resumed');
  });

  it('puts failed items back to work', async () => {
    const batchId = await createBatch(3);
    await stack.services.publish(
      batchEvent('batch.started', batchId, { maxConcurrency: 2 }),
      failed(batchId, 0),
      failed(batchId, 1),
    );
    await batchWhen(batchId, (batch) => (batch.counts as { failed: number }).failed === 2);
    stack.services.failedItems.set(batchId, [deriveItemId(batchId, 0), deriveItemId(batchId, 1)]);

    const first = await stack.run(['retry', batchId, '--limit', '1']);
    const second = await stack.run(['retry', batchId, '--json']);
    const third = await stack.run(['retry', batchId]);

    expect(first.stdout).toBe(`Put 1 failed item of batch ${batchId} back to work.\n`);
    expect(JSON.parse(second.stdout).requeued_count).toBe(1);
    expect(third.code).toBe(1);
    expect(third.stderr).toContain('HTTP 409 NOTHING_TO_RETRY');
    const limits = stack.services.batchCommands
      .filter((command) => command.batchId === batchId && command.type === 'retry')
      .map((command) => (command.type === 'retry' ? command.limit : 0));
    expect(limits).toEqual([1, 10]);
  });
});

describe('export', { timeout: CLI_TEST_TIMEOUT_MS }, () => {
  let batchId: string;

  beforeAll(async () => {
    batchId = await createBatch(2, 'export batch');
    await stack.services.publish(succeeded(batchId, 0), failed(batchId, 1));
    await batchWhen(batchId, (batch) => (batch.counts as { failed: number }).failed === 1);
  });

  it('writes CSV results to a file', async () => {
    const output = join(workDir, 'results.csv');

    const run = await stack.run(['export', batchId, '--format', 'csv', '--output', output]);

    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`Wrote the csv results of batch ${batchId} to ${output}`);
    const lines = readFileSync(output, 'utf8').trimEnd().split('\r\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toContain('order_url');
    expect(lines[1]).toContain('ON-0');
    expect(lines[2]).toContain('The page shows 9.99 instead of 1.00.');
  });

  it('writes a workbook under the default name', async () => {
    const run = await stack.run(['export', batchId, '--format', 'xlsx', '--json'], {
      cwd: workDir,
    });

    expect(run.code).toBe(0);
    const result = JSON.parse(run.stdout);
    expect(result.path).toBe(join(workDir, `batch-${batchId}.xlsx`));
    const bytes = readFileSync(result.path);
    expect(bytes.length).toBe(result.bytes);
    expect(bytes.subarray(0, 2).toString()).toBe('PK');
  });

  it('writes to stdout with output -', async () => {
    const run = await stack.run(['export', batchId, '--format', 'csv', '-o', '-']);

    expect(run.code).toBe(0);
    expect(run.stdout.split('\r\n')[0]).toContain('order_url');
  });
});

describe('watch', { timeout: CLI_TEST_TIMEOUT_MS }, () => {
  it('ends when the batch is finished', async () => {
    const batchId = await createBatch(2);
    await stack.services.publish(batchEvent('batch.started', batchId, { maxConcurrency: 2 }));
    let published = false;

    const run = await stack.run(['watch', batchId], {
      onStdout: () => {
        if (published) return;
        published = true;
        void stack.services.publish(
          succeeded(batchId, 0),
          failed(batchId, 1),
          finished(batchId, { succeeded: 1, failed: 1 }),
        );
      },
    });

    expect(run.code).toBe(0);
    const lines = run.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^processing {2}\[-+\] {4}0% {2}0\/2$/);
    expect(lines.at(-3)).toMatch(/^completed {2}\[#+\] {2}100% {2}2\/2 {2}success 1 {2}failed 1$/);
    expect(lines.at(-2)).toBe(`Batch ${batchId} completed: success 1, failed 1, skipped 0.`);
    expect(lines.at(-1)).toBe(`Failed items: orderflow status ${batchId} --failed`);
  });

  it('returns at once for a finished batch', async () => {
    const batchId = await createBatch(1);
    await stack.services.publish(
      succeeded(batchId, 0),
      finished(batchId, { succeeded: 1, failed: 0 }),
    );
    await batchWhen(batchId, (batch) => batch.status === 'completed');

    const run = await stack.run(['watch', batchId]);

    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`Batch ${batchId} completed: success 1, failed 0, skipped 0.`);
  });

  it('resumes after the gateway restarts', async () => {
    const batchId = await createBatch(3);
    await stack.services.publish(batchEvent('batch.started', batchId, { maxConcurrency: 2 }));
    let restarted: Promise<void> | undefined;

    const run = await stack.run(['watch', batchId, '--json'], {
      onStdout: (text) => {
        if (restarted || !text.includes('"snapshot"')) return;
        restarted = (async () => {
          await stack.services.publish(succeeded(batchId, 0));
          await batchWhen(batchId, (batch) => (batch.counts as { success: number }).success === 1);
          await stack.restartGateway();
          await stack.services.publish(succeeded(batchId, 1), succeeded(batchId, 2));
          await stack.services.publish(finished(batchId, { succeeded: 3, failed: 0 }));
        })();
      },
    });
    await restarted;

    expect(run.code).toBe(0);
    const events = run.stdout
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as { event: string; data: { item_id?: string } });
    const names = events.map((event) => event.event);
    expect(names.filter((name) => name === 'snapshot')).toHaveLength(1);
    const succeededItems = events
      .filter((event) => event.event === 'item.succeeded')
      .map((event) => event.data.item_id);
    expect(succeededItems).toEqual([0, 1, 2].map((index) => deriveItemId(batchId, index)));
    expect(names.at(-1)).toBe('batch.finished');
  });
});
