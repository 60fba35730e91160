import { orderNumberOf } from '@orderflow/demo-shop';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { type E2eStack, orderIdOf, printLogsOnFailure, startE2eStack } from './support/e2e-stack';
import { confirmationsPerOrder } from './support/history-checks';

const ROWS = 12;
const RESULT_COLUMNS = ['status', 'order_number', 'attempts'];

let e2e: E2eStack;

beforeAll(async () => {
  e2e = await startE2eStack();
});

printLogsOnFailure(() => e2e);

afterAll(async () => {
  await e2e?.stop();
});

/** Builds a workbook with the two required columns and an extra `customer` column. */
async function buildWorkbook(orderIds: string[]): Promise<Uint8Array> {
  const workbook = new ExcelJS.Workbook();
  const sheet = workbook.addWorksheet('Orders');
  sheet.addRow(['order_url', 'amount', 'customer']);
  orderIds.forEach((orderId, index) => {
    sheet.addRow([e2e.orderUrl(orderId, amountOf(index)), Number(amountOf(index)), `C-${index}`]);
  });
  return new Uint8Array(await workbook.xlsx.writeBuffer());
}

function amountOf(index: number): string {
  return `${10 + index}.50`;
}

/** Reads a sheet into objects keyed by the header row. */
function rowsOf(table: string[][]): Array<Record<string, string>> {
  const [header = [], ...rows] = table;
  return rows.map((row) => Object.fromEntries(header.map((name, i) => [name, row[i] ?? ''])));
}

async function readXlsx(bytes: Uint8Array): Promise<string[][]> {
  const workbook = new ExcelJS.Workbook();
  await workbook.xlsx.load(bytes.buffer as ArrayBuffer);
  const sheet = workbook.worksheets[0]!;
  const table: string[][] = [];
  sheet.eachRow((row) => {
    const values = (row.values as unknown[]).slice(1);
    table.push(values.map((value) => (value === null || value === undefined ? '' : String(value))));
  });
  return table;
}

/** Splits CSV without quoted fields, which this batch's values never need. */
function readCsv(bytes: Uint8Array): string[][] {
  const text = new TextDecoder().decode(bytes);
  expect(text, 'CSV export needs no quoting for this batch').not.toContain('"');
  return text
    .split('\r\n')
    .filter((line) => line !== '')
    .map((line) => line.split(','));
}

function checkExport(rows: Array<Record<string, string>>, orderIds: string[]): void {
  expect(rows).toHaveLength(ROWS);
  rows.forEach((row, index) => {
    const orderId = orderIds[index]!;
    expect(orderIdOf(row.order_url!), `row ${index} order`).toBe(orderId);
    expect(row.customer, `row ${index} customer`).toBe(`C-${index}`);
    expect(row.status, `row ${index} status`).toBe('success');
    expect(row.order_number, `row ${index} order number`).toBe(orderNumberOf(orderId));
    expect(row.attempts, `row ${index} attempts`).toBe('1');
  });
}

test('uploaded workbook succeeds and exports', async () => {
  const orderIds = Array.from({ length: ROWS }, (_, index) => `standard-xl${index}`);
  const created = await e2e.api.upload(
    'Excel orders',
    'orders.xlsx',
    await buildWorkbook(orderIds),
  );
  expect(created.status).toBe('pending');
  expect(created.total_items).toBe(ROWS);

  await e2e.api.control(created.id, 'start');
  const finished = await e2e.api.waitForFinish(created.id);

  expect(finished.status).toBe('completed');
  expect(finished.counts).toEqual({
    pending: 0,
    processing: 0,
    success: ROWS,
    failed: 0,
    skipped: 0,
  });
  const items = await e2e.api.items(created.id);
  for (const item of items) {
    const orderId = orderIdOf(item.order_url);
    expect(item.order_number, `order number of ${orderId}`).toBe(orderNumberOf(orderId));
    expect(item.amount, `amount of ${orderId}`).toBe(amountOf(item.index));
    expect(item.extra, `extra columns of ${orderId}`).toEqual({ customer: `C-${item.index}` });
  }
  const confirmations = confirmationsPerOrder(e2e.shop);
  for (const orderId of orderIds) expect(confirmations.get(orderId), orderId).toBe(1);

  const xlsx = await readXlsx(await e2e.api.export(created.id, 'xlsx'));
  const csv = readCsv(await e2e.api.export(created.id, 'csv'));
  for (const table of [xlsx, csv]) {
    expect(table[0]!.slice(0, 3)).toEqual(['order_url', 'amount', 'customer']);
    expect(table[0]).toEqual(expect.arrayContaining(RESULT_COLUMNS));
    checkExport(rowsOf(table), orderIds);
  }
});
