import { orderNumberOf } from '@orderflow/demo-shop';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { type ApiItem, readSseUntil } from './support/api-client';
import {
  type E2eStack,
  orderIdOf,
  printLogsOnFailure,
  startE2eStack,
  TOKEN_LABEL,
} from './support/e2e-stack';
import { ordersPaidTwice } from './support/history-checks';

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const STANDARD_ORDERS = 6;

/** Orders that fail their first attempt, with the error code each must report. */
const FAILING_ORDERS = {
  'flaky-fr1': 'PAGE_SERVER_ERROR',
  'mismatch-fr1': 'AMOUNT_MISMATCH',
  'missing-fr1': 'PAGE_CLIENT_ERROR',
  'error-fr1': 'PAGE_SERVER_ERROR',
} as const;

let e2e: E2eStack;

beforeAll(async () => {
  // Without automatic retries, the flaky order fails its only attempt and the retry command
  // is what brings it back.
  e2e = await startE2eStack({ env: { BATCH_TASK_RETRY_LIMIT: '0' } });
});

printLogsOnFailure(() => e2e);

afterAll(async () => {
  await e2e?.stop();
});

function byOrderId(items: ApiItem[]): Map<string, ApiItem> {
  return new Map(items.map((item) => [orderIdOf(item.order_url), item]));
}

/** Returns the capture notes of an attempt's log, to explain a missing screenshot. */
async function captureNotes(logLink: string | null | undefined): Promise<string> {
  if (!logLink) return 'no log either';
  const { bytes } = await e2e.api.download(logLink);
  const log = JSON.parse(Buffer.from(bytes).toString('utf8')) as { notes?: string[] };
  return (log.notes ?? []).join('; ') || 'no notes';
}

async function expectScreenshot(
  link: string | null,
  orderId: string,
  logLink?: string | null,
): Promise<void> {
  const explanation = link === null ? ` (capture notes: ${await captureNotes(logLink)})` : '';
  expect(link, `screenshot link of ${orderId}${explanation}`).not.toBeNull();
  const { contentType, bytes } = await e2e.api.download(link!);
  expect(contentType, `screenshot type of ${orderId}`).toBe('image/png');
  expect([...bytes.subarray(0, 8)], `PNG signature of ${orderId}`).toEqual(PNG_SIGNATURE);
}

test('failures report codes, screenshots, retry and hand update', async () => {
  const orderIds = [
    ...Array.from({ length: STANDARD_ORDERS }, (_, index) => `standard-fr${index}`),
    ...Object.keys(FAILING_ORDERS),
  ];
  const items = orderIds.map((orderId) => ({
    order_url: e2e.orderUrl(orderId, '20.00'),
    amount: '20.00',
  }));
  const created = await e2e.api.createBatch('Mixed failures', items);
  await e2e.api.control(created.id, 'start');

  const first = await e2e.api.waitForFinish(created.id);
  expect(first.status).toBe('completed');
  expect(first.counts.success).toBe(STANDARD_ORDERS);
  expect(first.counts.failed).toBe(4);

  const failed = byOrderId(await e2e.api.items(created.id, 'failed'));
  for (const [orderId, code] of Object.entries(FAILING_ORDERS)) {
    const item = failed.get(orderId);
    expect(item, `failed item ${orderId}`).toBeDefined();
    expect(item!.error_code, `error code of ${orderId}`).toBe(code);
    expect(item!.failure_reason, `failure reason of ${orderId}`).toBeTruthy();
    expect(item!.attempts, `attempts of ${orderId}`).toBe(1);
    const [attempt] = await e2e.api.attempts(item!.id);
    await expectScreenshot(item!.screenshot_url, orderId, attempt?.log_url);

    expect(attempt!.status, `attempt status of ${orderId}`).toBe('failed');
    expect(attempt!.error_code, `attempt code of ${orderId}`).toBe(code);
    await expectScreenshot(attempt!.screenshot_url, `${orderId} attempt 1`, attempt!.log_url);
  }

  const retried = await e2e.api.retry(created.id);
  expect(retried.requeued_count).toBe(4);
  const second = await e2e.api.waitForFinish(created.id);
  expect(second.counts.success).toBe(STANDARD_ORDERS + 1);
  expect(second.counts.failed).toBe(3);

  const afterRetry = byOrderId(await e2e.api.items(created.id));
  const flaky = afterRetry.get('flaky-fr1')!;
  expect(flaky.status).toBe('success');
  expect(flaky.attempts).toBe(2);
  expect(flaky.order_number).toBe(orderNumberOf('flaky-fr1'));
  const mismatch = afterRetry.get('mismatch-fr1')!;
  expect(mismatch.status).toBe('failed');
  expect(mismatch.attempts).toBe(2);
  expect(mismatch.error_code).toBe('AMOUNT_MISMATCH');
  const mismatchAttempts = await e2e.api.attempts(mismatch.id);
  expect(mismatchAttempts.map((attempt) => attempt.error_code)).toEqual([
    'AMOUNT_MISMATCH',
    'AMOUNT_MISMATCH',
  ]);
  await expectScreenshot(mismatch.screenshot_url, 'mismatch-fr1 after retry');
  expect(ordersPaidTwice(e2e.shop)).toEqual([]);

  const missing = afterRetry.get('missing-fr1')!;
  const updated = await e2e.api.updateItem(missing.id, {
    status: 'success',
    order_number: 'HAND-42',
    failure_reason: null,
  });
  expect(updated.status).toBe('success');
  expect(updated.order_number).toBe('HAND-42');
  expect(updated.failure_reason).toBeNull();
  expect(updated.updated_by).toBe(TOKEN_LABEL);
  const listed = byOrderId(await e2e.api.items(created.id)).get('missing-fr1')!;
  expect(listed.status).toBe('success');
  expect(listed.order_number).toBe('HAND-42');
  const batch = await e2e.api.batch(created.id);
  expect(batch.counts.success).toBe(STANDARD_ORDERS + 2);
  expect(batch.counts.failed).toBe(2);
  expect(await e2e.api.attempts(missing.id)).toHaveLength(2);

  const stream = await e2e.api.fetch(`/${created.id}/events?last_event_id=0`);
  expect(stream.status).toBe(200);
  const messages = await readSseUntil(
    stream,
    (message) => message.event === 'item.updated_by_hand',
  );
  const handUpdate = JSON.parse(messages.at(-1)!.data) as {
    item_id: string;
    data: { status: string; orderNumber: string; updatedBy: string };
  };
  expect(handUpdate.item_id).toBe(missing.id);
  expect(handUpdate.data.status).toBe('success');
  expect(handUpdate.data.orderNumber).toBe('HAND-42');
  expect(handUpdate.data.updatedBy).toBe(TOKEN_LABEL);
});
