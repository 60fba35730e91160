import { configSchema as importerConfigSchema, startImporter } from '@orderflow/importer';
import { configSchema as schedulerConfigSchema, startScheduler } from '@orderflow/scheduler';
import { parseConfig } from '@orderflow/service-kit';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { type GatewayFixture, log, readJson, startGatewayFixture } from './gateway-fixture';

const BASE = '/api/v1/batch-tasks';
let fixture: GatewayFixture;
let importer: Awaited<ReturnType<typeof startImporter>>;
let scheduler: Awaited<ReturnType<typeof startScheduler>>;

beforeAll(async () => {
  fixture = await startGatewayFixture({ IMPORT_WAIT_MS: '15000' });
  const config = parseConfig(importerConfigSchema, {
    NATS_URL: fixture.nats.url,
    LOG_LEVEL: 'silent',
  });
  importer = await startImporter(config, { nc: fixture.connection, log });
  const schedulerConfig = parseConfig(schedulerConfigSchema, {
    NATS_URL: fixture.nats.url,
    LOG_LEVEL: 'silent',
    COMMAND_BATCH_WAIT_MS: '0',
  });
  scheduler = await startScheduler(schedulerConfig, { connection: fixture.connection, log });
});
afterAll(async () => {
  await scheduler?.stop();
  await importer?.stop();
  await fixture?.close();
});

function postJson(body: unknown) {
  return fixture.request(BASE, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

test('JSON items become a batch', async () => {
  const response = await postJson({
    name: 'real importer',
    task_items: [
      { order_url: 'https://shop.test/orders/1', amount: 12.5, customer: 'ACME' },
      { order_url: 'https://shop.test/orders/2', amount: '3' },
    ],
  });
  expect(response.status).toBe(201);
  const batch = await readJson(response);
  expect(batch.total_items).toBe(2);
  expect(batch.task_items[0].amount).toBe('12.50');
  expect(batch.task_items[0].extra).toEqual({ customer: 'ACME' });
});

test('invalid rows return 422 with row errors', async () => {
  const response = await postJson({
    name: 'bad rows',
    task_items: [{ order_url: 'not a link', amount: 'twelve' }],
  });
  expect(response.status).toBe(422);
  const body = await readJson(response);
  expect(body.error.code).toBe('IMPORT_REJECTED');
  const problems = body.error.details.errors.map((error: { problem: string }) => error.problem);
  expect(problems).toContain('invalid_url');
  expect(problems).toContain('invalid_amount');
});

test('uploaded workbook becomes a batch and exports', async () => {
  const workbook = new ExcelJS.Workbook();
  const sheet = workbook.addWorksheet('orders');
  sheet.addRow(['order_url', 'amount', 'note']);
  sheet.addRow(['https://shop.test/orders/7', 7.25, 'rush']);
  sheet.addRow(['https://shop.test/orders/8', 8, '']);
  const content = new Uint8Array(await workbook.xlsx.writeBuffer());
  const form = new FormData();
  form.set('name', 'from a workbook');
  form.set('file', new Blob([content]), 'orders.xlsx');

  const response = await fixture.request(`${BASE}/upload`, { method: 'POST', body: form });
  expect(response.status).toBe(201);
  const batch = await readJson(response);
  expect(batch.total_items).toBe(2);
  expect(batch.task_items[0].row_number).toBe(2);

  const csv = await (await fixture.request(`${BASE}/${batch.id}/export?format=csv`)).text();
  const lines = csv.trimEnd().split('\r\n');
  expect(lines[0]).toBe(
    'order_url,amount,note,status,order_number,final_order_url,failure_reason,attempts',
  );
  expect(lines[1]).toBe('https://shop.test/orders/7,7.25,rush,pending,,,,0');
});

test('control actions go through the scheduler', async () => {
  const created = await readJson(
    await postJson({
      name: 'to start',
      task_items: [{ order_url: 'https://shop.test/orders/9', amount: 9 }],
    }),
  );
  const control = (action: string) =>
    fixture.request(`${BASE}/${created.id}/control`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ action }),
    });

  const started = await control('start');
  expect(started.status).toBe(200);
  expect((await readJson(started)).status).toBe('processing');

  const paused = await control('pause');
  expect(paused.status).toBe(200);
  expect((await readJson(paused)).paused).toBe(true);

  const resumed = await control('resume');
  expect(resumed.status).toBe(200);
  expect((await readJson(resumed)).paused).toBe(false);

  const cancelled = await control('cancel');
  expect(cancelled.status).toBe(200);
  expect((await readJson(cancelled)).cancel_requested).toBe(true);
});
