import { newId, OBJECT_BUCKETS } from '@orderflow/contracts';
import { ensureObjectBucket } from '@orderflow/service-kit';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { applyEvents } from '../src/projector/apply-events';
import {
  BatchScript,
  batchWhen,
  type GatewayFixture,
  readJson,
  startGatewayFixture,
} from './gateway-fixture';

const BASE = '/api/v1/batch-tasks';
let fixture: GatewayFixture;

beforeAll(async () => {
  fixture = await startGatewayFixture({ DETAIL_PAGE_SIZE: '3' });
});
afterAll(async () => {
  await fixture?.close();
});

async function importedBatch(itemCount: number, extra: Record<string, string> = {}) {
  const script = new BatchScript(newId(), itemCount);
  await fixture.publish(
    ...script.imported({ columns: ['order_url', 'amount', ...Object.keys(extra)], extra }),
  );
  await batchWhen(fixture, script.batchId);
  return script;
}

describe('batch reads', () => {
  test('detail shows counts and first page', async () => {
    const script = await importedBatch(5);
    await fixture.publish(
      script.item('item.succeeded', 0, {
        attempt: 1,
        orderNumber: 'A',
        finalOrderUrl: 'https://a.test/a',
      }),
      script.item('item.failed', 1, { attempt: 1, code: 'AMOUNT_MISMATCH', message: 'shown 3.00' }),
    );
    const batch = await batchWhen(fixture, script.batchId, (body) => body.counts.failed === 1);

    expect(batch.counts).toEqual({ pending: 3, processing: 0, success: 1, failed: 1, skipped: 0 });
    expect(batch.total_items).toBe(5);
    expect(batch.progress).toBe(40);
    expect(batch.task_items).toHaveLength(3);
    expect(batch.task_items_page).toMatchObject({ total: 5, has_more: true, returned: 3 });
    expect(batch.task_items_page.next).toBe(`${BASE}/${script.batchId}/items?skip=3&limit=3`);
    expect(batch.task_items[1]).toMatchObject({
      row_number: 3,
      amount: '2.50',
      status: 'failed',
      failure_reason: 'shown 3.00',
      error_code: 'AMOUNT_MISMATCH',
    });
  });

  test('detail reflects out-of-order commits', async () => {
    const script = await importedBatch(2);
    const late = 1_000_000_000;
    await applyEvents(fixture.gateway.db, [
      { seq: late + 1, event: script.item('item.skipped', 0, { reason: 'first commit' }) },
    ]);
    const first = await readJson(await fixture.request(`${BASE}/${script.batchId}`));
    expect(first.counts.skipped).toBe(1);

    await applyEvents(fixture.gateway.db, [
      { seq: late, event: script.item('item.skipped', 1, { reason: 'older, committed later' }) },
    ]);
    const second = await readJson(await fixture.request(`${BASE}/${script.batchId}`));
    expect(second.counts.skipped).toBe(2);
  });

  test('items are paged and filtered by status', async () => {
    const script = await importedBatch(6);
    await fixture.publish(
      ...[1, 3, 5].map((index) => script.item('item.skipped', index, { reason: 'duplicate' })),
    );
    await batchWhen(fixture, script.batchId, (body) => body.counts.skipped === 3);

    const page = await readJson(
      await fixture.request(`${BASE}/${script.batchId}/items?status=skipped&skip=1&limit=1`),
    );
    expect(page.items.map((item: { index: number }) => item.index)).toEqual([3]);
    expect(page.page).toMatchObject({ skip: 1, limit: 1, total: 3, has_more: true });
    expect(page.page.next).toContain('status=skipped');

    const bad = await fixture.request(`${BASE}/${script.batchId}/items?limit=0`);
    expect(bad.status).toBe(422);
    const missing = await fixture.request(`${BASE}/${newId()}/items`);
    expect(missing.status).toBe(404);
  });

  test('list pages batches and filters by status', async () => {
    const script = await importedBatch(1);
    await fixture.publish(script.event('batch.started', { maxConcurrency: 1 }));
    await batchWhen(fixture, script.batchId, (body) => body.status === 'processing');

    const processing = await readJson(await fixture.request(`${BASE}?status=processing`));
    expect(processing.map((batch: { id: string }) => batch.id)).toContain(script.batchId);
    expect(processing.every((batch: { status: string }) => batch.status === 'processing')).toBe(
      true,
    );

    const firstResponse = await fixture.request(`${BASE}?skip=0&limit=1`);
    const firstOnly = await readJson(firstResponse);
    expect(firstOnly).toHaveLength(1);
    expect(Number(firstResponse.headers.get('x-total-count'))).toBeGreaterThan(1);
    const secondOnly = await readJson(await fixture.request(`${BASE}?skip=1&limit=1`));
    expect(secondOnly).toHaveLength(1);
    expect(secondOnly[0].id).not.toBe(firstOnly[0].id);

    expect((await fixture.request(`${BASE}?status=unknown`)).status).toBe(422);
  });

  test('hidden batches are not listed or served', async () => {
    const script = new BatchScript(newId(), 2);
    await fixture.publish(script.itemsAdded());
    const visible = await importedBatch(1);

    expect((await fixture.request(`${BASE}/${script.batchId}`)).status).toBe(404);
    const list = await readJson(await fixture.request(`${BASE}?limit=1000`));
    const ids = list.map((batch: { id: string }) => batch.id);
    expect(ids).toContain(visible.batchId);
    expect(ids).not.toContain(script.batchId);
  });

  test('stats sum batches and items per status', async () => {
    const before = await readJson(await fixture.request(`${BASE}/stats`));
    const script = await importedBatch(2);
    await fixture.publish(script.item('item.skipped', 0, { reason: 'x' }));
    await batchWhen(fixture, script.batchId, (body) => body.counts.skipped === 1);

    const after = await readJson(await fixture.request(`${BASE}/stats`));
    expect(after.total_batches).toBe(before.total_batches + 1);
    expect(after.batches.pending).toBe(before.batches.pending + 1);
    expect(after.items.skipped).toBe(before.items.skipped + 1);
    expect(after.items.pending).toBe(before.items.pending + 1);
    expect(after.total_items).toBe(before.total_items + 2);
  });
});

describe('attempts and artifacts', () => {
  test('attempts list and screenshot stream', async () => {
    const script = await importedBatch(1);
    const store = await ensureObjectBucket(fixture.connection, OBJECT_BUCKETS.artifacts.bucket);
    const png = new Uint8Array([137, 80, 78, 71, 13, 10, 26, 10, 1, 2, 3]);
    await store.putBlob({ name: `shots/${script.itemId(0)}-1.png` }, png);
    await fixture.publish(
      script.item('item.dispatched', 0, { attempt: 1, verifyFirst: false }),
      script.item('item.attempt_started', 0, { attempt: 1, workerId: 'worker-7', recipe: 'shop' }),
      script.item('item.attempt_failed', 0, {
        attempt: 1,
        code: 'ELEMENT_NOT_FOUND',
        message: 'no confirm button',
        retryable: true,
        step: 'confirm',
        timings: { totalMs: 1234 },
        artifacts: {
          bucket: OBJECT_BUCKETS.artifacts.bucket,
          screenshot: `shots/${script.itemId(0)}-1.png`,
        },
      }),
      script.item('item.failed', 0, {
        attempt: 1,
        code: 'ELEMENT_NOT_FOUND',
        message: 'no confirm button',
      }),
    );
    const batch = await batchWhen(fixture, script.batchId, (body) => body.counts.failed === 1);
    const screenshotUrl = `${BASE}/items/${script.itemId(0)}/attempts/1/artifacts/screenshot`;
    expect(batch.task_items[0].screenshot_url).toBe(screenshotUrl);
    expect(batch.task_items[0].html_url).toBeNull();
    expect(batch.task_items[0].timings.last_attempt_ms).toBe(1234);

    const attempts = await readJson(
      await fixture.request(`${BASE}/items/${script.itemId(0)}/attempts`),
    );
    expect(attempts.attempts).toEqual([
      expect.objectContaining({
        attempt: 1,
        status: 'failed',
        worker_id: 'worker-7',
        error_code: 'ELEMENT_NOT_FOUND',
        step: 'confirm',
        retryable: true,
        screenshot_url: screenshotUrl,
      }),
    ]);

    const image = await fixture.request(screenshotUrl);
    expect(image.status).toBe(200);
    expect(image.headers.get('content-type')).toBe('image/png');
    expect(new Uint8Array(await image.arrayBuffer())).toEqual(png);

    const unauthenticated = await fetch(`${fixture.gateway.url}${screenshotUrl}`);
    expect(unauthenticated.status).toBe(401);
    const noHtml = await fixture.request(
      `${BASE}/items/${script.itemId(0)}/attempts/1/artifacts/html`,
    );
    expect(noHtml.status).toBe(404);
    expect((await fixture.request(`${BASE}/items/${newId()}/attempts`)).status).toBe(404);
  });
});

describe('export', () => {
  test('CSV export has columns and results', async () => {
    const script = await importedBatch(2, { customer: '=cmd|calc' });
    await fixture.publish(
      script.item('item.succeeded', 1, {
        attempt: 1,
        orderNumber: 'N-9',
        finalOrderUrl: 'https://a.test/9',
      }),
    );
    await batchWhen(fixture, script.batchId, (body) => body.counts.success === 1);

    const response = await fixture.request(`${BASE}/${script.batchId}/export?format=csv`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/csv');
    expect(response.headers.get('content-disposition')).toContain(`batch-${script.batchId}.csv`);
    const lines = (await response.text()).trimEnd().split('\r\n');
    expect(lines).toEqual([
      'order_url,amount,customer,status,order_number,final_order_url,failure_reason,attempts',
      "https://shop.test/orders/0,1.50,'=cmd|calc,pending,,,,0",
      "https://shop.test/orders/1,2.50,'=cmd|calc,success,N-9,https://a.test/9,,1",
    ]);
  });

  test('XLSX export is a readable workbook', async () => {
    const script = await importedBatch(3);
    const response = await fixture.request(`${BASE}/${script.batchId}/export?format=xlsx`);
    expect(response.status).toBe(200);
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(Buffer.from(await response.arrayBuffer()) as never);
    const sheet = workbook.worksheets[0]!;
    expect(sheet.rowCount).toBe(4);
    expect(sheet.getRow(1).getCell(3).value).toBe('status');
    expect(sheet.getRow(4).getCell(1).value).toBe('https://shop.test/orders/2');
    expect(sheet.getRow(4).getCell(7).value).toBe(0);
  });

  test('export fills required columns under spreadsheet names', async () => {
    // The header of a sheet as people write it: `Order URL` is the import's order_url column,
    // and a second column spelled order_url was imported as an extra column.
    const script = new BatchScript(newId(), 1);
    const columns = ['Customer', 'Order URL', ' Amount ', 'order_url'];
    await fixture.publish(
      ...script.imported({ columns, extra: { Customer: 'Acme GmbH', order_url: 'note' } }),
    );
    await batchWhen(fixture, script.batchId);

    const response = await fixture.request(`${BASE}/${script.batchId}/export?format=csv`);
    const lines = (await response.text()).trimEnd().split('\r\n');
    expect(lines[1]).toBe('Acme GmbH,https://shop.test/orders/0,1.50,note,pending,,,,0');
  });

  test('unknown format is rejected with 422', async () => {
    const script = await importedBatch(1);
    expect((await fixture.request(`${BASE}/${script.batchId}/export?format=pdf`)).status).toBe(422);
  });
});

/** Reads SSE messages from a response until `count` have arrived. */
async function readSse(response: Response, count: number) {
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  const messages: Array<{ id?: string; event?: string; data?: string }> = [];
  let buffer = '';
  while (messages.length < count) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += value;
    let end = buffer.indexOf('\n\n');
    while (end >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const message: Record<string, string> = {};
      for (const line of block.split('\n')) {
        const colon = line.indexOf(':');
        if (colon > 0) message[line.slice(0, colon)] = line.slice(colon + 1).trimStart();
      }
      if (Object.keys(message).length > 0) messages.push(message);
      end = buffer.indexOf('\n\n');
    }
  }
  await reader.cancel();
  // One chunk can carry several messages, so more than `count` may have been parsed.
  return messages.slice(0, count);
}

describe('live events', () => {
  test('SSE streams and resumes by Last-Event-ID', async () => {
    const script = await importedBatch(2);
    const controller = new AbortController();
    const response = await fixture.request(`${BASE}/${script.batchId}/events`, {
      signal: controller.signal,
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/event-stream');

    const reading = readSse(response, 4);
    await new Promise((resolve) => setTimeout(resolve, 100));
    await fixture.publish(
      script.item('item.dispatched', 0, { attempt: 1, verifyFirst: false }),
      script.item('item.succeeded', 0, {
        attempt: 1,
        orderNumber: 'Z',
        finalOrderUrl: 'https://a.test/z',
      }),
    );
    const messages = await reading;
    controller.abort();

    expect(messages[0]?.event).toBe('snapshot');
    const changes = messages.slice(1).filter((message) => message.event !== 'progress');
    expect(changes.map((message) => message.event).slice(0, 1)).toEqual(['item.dispatched']);
    const progress = messages.find((message) => message.event === 'progress');
    expect(progress).toBeDefined();

    const firstId = changes[0]!.id!;
    const resumed = await fixture.request(`${BASE}/${script.batchId}/events`, {
      headers: { 'last-event-id': firstId },
    });
    const replay = await readSse(resumed, 2);
    expect(replay[0]?.event).toBe('item.succeeded');
    expect(Number(replay[0]?.id)).toBeGreaterThan(Number(firstId));
    expect(JSON.parse(replay[1]!.data!).counts.success).toBe(1);
  });

  test('SSE resumes across out-of-order commits', async () => {
    const script = await importedBatch(2);
    const late = 2_000_000_000;
    await applyEvents(fixture.gateway.db, [
      {
        seq: late + 1,
        event: script.item('item.skipped', 0, { reason: 'newer, committed first' }),
      },
    ]);
    const first = await readSse(
      await fixture.request(`${BASE}/${script.batchId}/events?last_event_id=0`),
      3,
    );
    expect(first.map((message) => message.event)).toEqual([
      'batch.items_added',
      'batch.created',
      'item.skipped',
    ]);
    const firstChange = first.find((message) => message.event === 'item.skipped')!;

    await applyEvents(fixture.gateway.db, [
      { seq: late, event: script.item('item.skipped', 1, { reason: 'older, committed later' }) },
    ]);
    const resumed = await readSse(
      await fixture.request(`${BASE}/${script.batchId}/events`, {
        headers: { 'last-event-id': firstChange.id! },
      }),
      1,
    );
    expect(resumed[0]?.event).toBe('item.skipped');
    expect(JSON.parse(resumed[0]!.data!).seq).toBe(late);
  });

  test('unknown batch answers 404', async () => {
    expect((await fixture.request(`${BASE}/${newId()}/events`)).status).toBe(404);
  });
});
