import { jetstreamManager } from '@nats-io/jetstream';
import {
  CONSUMERS,
  createEvent,
  type ImportBatchCommand,
  importBatchCommandSchema,
  newId,
  OBJECT_BUCKETS,
} from '@orderflow/contracts';
import { ensureObjectBucket } from '@orderflow/service-kit';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  BatchScript,
  batchWhen,
  eventually,
  type GatewayFixture,
  readJson,
  startGatewayFixture,
  takeCommand,
} from './gateway-fixture';

const BASE = '/api/v1/batch-tasks';
let fixture: GatewayFixture;

beforeAll(async () => {
  fixture = await startGatewayFixture({ IMPORT_WAIT_MS: '4000', MAX_UPLOAD_BYTES: '200000' });
});
afterAll(async () => {
  await fixture?.close();
});

function postJson(path: string, body: unknown, headers: Record<string, string> = {}) {
  return fixture.request(path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
}

/** Takes the next import command as the importer would and publishes the events `answer` returns. */
async function importerAnswers(
  answer: (command: ImportBatchCommand) => ReturnType<typeof createEvent>[],
): Promise<ImportBatchCommand> {
  const command = importBatchCommandSchema.parse(await takeCommand(fixture, CONSUMERS.importer));
  await fixture.publish(...answer(command));
  return command;
}

function importedEvents(command: ImportBatchCommand, itemCount: number) {
  const script = new BatchScript(command.batchId, itemCount);
  return script.imported({ causationId: command.commandId });
}

/** Creates a batch through the API with a simulated importer, and returns its id. */
async function createdBatch(itemCount = 2): Promise<BatchScript> {
  const items = Array.from({ length: itemCount }, (_, index) => ({
    order_url: `https://shop.test/orders/${index}`,
    amount: '10.00',
  }));
  const [response] = await Promise.all([
    postJson(BASE, { name: 'orders', task_items: items }),
    importerAnswers((command) => importedEvents(command, itemCount)),
  ]);
  expect(response.status).toBe(201);
  const body = await readJson(response);
  return new BatchScript(body.id, itemCount);
}

describe('POST / (create from JSON)', () => {
  test('answers 201 with the batch once imported', async () => {
    const [response, command] = await Promise.all([
      postJson(BASE, {
        name: 'June orders',
        description: 'from the shop',
        task_items: [{ order_url: 'https://shop.test/orders/1', amount: 12.5 }],
      }),
      importerAnswers((command) => importedEvents(command, 1)),
    ]);

    expect(response.status).toBe(201);
    expect(response.headers.get('location')).toBe(`${BASE}/${command.batchId}`);
    const body = await readJson(response);
    expect(body.id).toBe(command.batchId);
    expect(body.status).toBe('pending');
    expect(body.total_items).toBe(1);
    expect(body.task_items).toHaveLength(1);
    expect(command.source).toEqual({
      kind: 'items',
      items: [{ order_url: 'https://shop.test/orders/1', amount: 12.5 }],
    });
    expect(command.name).toBe('June orders');
    expect(command.requestedBy).toBe('tester');
  });

  test('accepts the path with a trailing slash', async () => {
    const [response, command] = await Promise.all([
      postJson(`${BASE}/`, {
        name: 'legacy client',
        task_items: [{ order_url: 'https://shop.test/orders/9', amount: '3.00' }],
      }),
      importerAnswers((command) => importedEvents(command, 1)),
    ]);
    expect(response.status).toBe(201);
    expect((await readJson(response)).id).toBe(command.batchId);
    const list = await fixture.request(`${BASE}/?limit=1`);
    expect(list.status).toBe(200);
  });

  test('rejected import returns row errors', async () => {
    const [response] = await Promise.all([
      postJson(BASE, { name: 'bad', task_items: [{ order_url: 'not a url', amount: 'x' }] }),
      importerAnswers((command) => [
        createEvent(
          'batch.import_rejected',
          { source: 'importer', batchId: command.batchId, causationId: command.commandId },
          {
            name: 'bad',
            code: 'IMPORT_REJECTED',
            message: '2 rows are invalid',
            errors: [
              { index: 0, column: 'order_url', problem: 'invalid_url', message: 'not a URL' },
              { index: 0, column: 'amount', problem: 'invalid_amount', message: 'not a number' },
            ],
            errorCount: 2,
          },
        ),
      ]),
    ]);

    expect(response.status).toBe(422);
    const body = await readJson(response);
    expect(body.error.code).toBe('IMPORT_REJECTED');
    expect(body.error.details.errors).toHaveLength(2);
    expect(body.error.details.error_count).toBe(2);
    expect(body.error.request_id).toBe(response.headers.get('x-request-id'));
  });

  test('slow importer returns 202', async () => {
    const slow = await startGatewayFixture({ IMPORT_WAIT_MS: '200' });
    try {
      const response = await slow.request(BASE, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          name: 'slow',
          task_items: [{ order_url: 'https://a.test', amount: 1 }],
        }),
      });
      expect(response.status).toBe(202);
      const body = await readJson(response);
      expect(response.headers.get('location')).toBe(`${BASE}/${body.batch_task_id}`);
      expect(body.status).toBe('importing');
    } finally {
      await slow.close();
    }
  });

  test('Idempotency-Key returns the first batch', async () => {
    const body = { name: 'once', task_items: [{ order_url: 'https://a.test/1', amount: 1 }] };
    const key = { 'idempotency-key': `key-${newId()}` };
    const [first, command] = await Promise.all([
      postJson(BASE, body, key),
      importerAnswers((command) => importedEvents(command, 1)),
    ]);
    expect(first.status).toBe(201);

    const second = await postJson(BASE, body, key);
    expect(second.status).toBe(201);
    expect((await readJson(second)).id).toBe(command.batchId);
    expect(command.idempotencyKey).toBe(key['idempotency-key']);

    const conflict = await postJson(BASE, { ...body, name: 'other' }, key);
    expect(conflict.status).toBe(409);
    expect((await readJson(conflict)).error.code).toBe('IDEMPOTENCY_CONFLICT');
  });

  test('large body goes to object store', async () => {
    const items = Array.from({ length: 12_000 }, (_, index) => ({
      order_url: `https://shop.test/orders/${index}/${'x'.repeat(60)}`,
      amount: '1.00',
    }));
    const [response, command] = await Promise.all([
      postJson(BASE, { name: 'large', task_items: items }),
      importerAnswers((command) => importedEvents(command, 1)),
    ]);
    expect(response.status).toBe(201);
    expect(command.source.kind).toBe('object');
    if (command.source.kind !== 'object') return;
    expect(command.source.bucket).toBe(OBJECT_BUCKETS.uploads.bucket);
    expect(command.source.format).toBe('json');
    const store = await ensureObjectBucket(fixture.connection, OBJECT_BUCKETS.uploads.bucket);
    const stored = JSON.parse(
      new TextDecoder().decode(
        (await store.getBlob(command.source.objectName)) ?? new Uint8Array(),
      ),
    );
    expect(stored.task_items).toHaveLength(12_000);
  });

  test.each([
    ['malformed JSON', 'application/json', '{"name": ', 400, 'MALFORMED_JSON'],
    ['wrong content type', 'text/plain', 'name=x', 415, 'UNSUPPORTED_MEDIA_TYPE'],
    ['missing task_items', 'application/json', '{"name":"x"}', 422, 'VALIDATION_FAILED'],
    [
      'empty task_items',
      'application/json',
      '{"name":"x","task_items":[]}',
      422,
      'VALIDATION_FAILED',
    ],
  ])('rejects %s', async (_case, contentType, body, status, code) => {
    const response = await fixture.request(BASE, {
      method: 'POST',
      headers: { 'content-type': contentType },
      body,
    });
    expect(response.status).toBe(status);
    expect((await readJson(response)).error.code).toBe(code);
  });
});

describe('POST /upload', () => {
  function uploadForm(content: Uint8Array, name = 'upload batch') {
    const form = new FormData();
    form.set('name', name);
    form.set('file', new Blob([content]), 'orders.xlsx');
    return form;
  }

  test('file streams to object store', async () => {
    const content = new TextEncoder().encode('order_url,amount\nhttps://a.test/1,5\n');
    const [response, command] = await Promise.all([
      fixture.request(`${BASE}/upload`, { method: 'POST', body: uploadForm(content) }),
      importerAnswers((command) => importedEvents(command, 1)),
    ]);
    expect(response.status).toBe(201);
    expect(command.source.kind).toBe('object');
    if (command.source.kind !== 'object') return;
    expect(command.source.fileName).toBe('orders.xlsx');
    expect(command.source.sizeBytes).toBe(content.byteLength);
    const store = await ensureObjectBucket(fixture.connection, OBJECT_BUCKETS.uploads.bucket);
    const stored = await store.getBlob(command.source.objectName);
    expect(new TextDecoder().decode(stored!)).toBe(new TextDecoder().decode(content));
  });

  test('oversized file returns 413', async () => {
    const response = await fixture.request(`${BASE}/upload`, {
      method: 'POST',
      body: uploadForm(new Uint8Array(300_000)),
    });
    expect(response.status).toBe(413);
    expect((await readJson(response)).error.code).toBe('PAYLOAD_TOO_LARGE');
  });

  test('form without file returns 422', async () => {
    const form = new FormData();
    form.set('name', 'no file');
    const response = await fixture.request(`${BASE}/upload`, { method: 'POST', body: form });
    expect(response.status).toBe(422);
    const body = await readJson(response);
    expect(body.error.code).toBe('VALIDATION_FAILED');
    expect(body.error.details.fields).toContainEqual({
      field: 'file',
      message: 'file is required',
    });
  });

  test('non-multipart body returns 415', async () => {
    const response = await fixture.request(`${BASE}/upload`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(response.status).toBe(415);
  });
});

describe('POST /{id}/control', () => {
  function control(batchId: string, action: string) {
    return postJson(`${BASE}/${batchId}/control`, { action });
  }

  test('start returns the started batch', async () => {
    const script = await createdBatch();
    const [response] = await Promise.all([
      control(script.batchId, 'start'),
      takeCommand(fixture, CONSUMERS.schedulerCommands).then((command) =>
        fixture.publish(
          script.event(
            'batch.started',
            { maxConcurrency: 5 },
            {
              causationId: command.commandId as string,
            },
          ),
        ),
      ),
    ]);
    expect(response.status).toBe(200);
    const body = await readJson(response);
    expect(body.status).toBe('processing');
    expect(body.started_at).not.toBeNull();
  });

  test('answers the scheduler rejection with its code', async () => {
    const script = await createdBatch();
    const [response] = await Promise.all([
      control(script.batchId, 'cancel'),
      takeCommand(fixture, CONSUMERS.schedulerCommands).then((command) =>
        fixture.publish(
          script.event(
            'batch.command_rejected',
            {
              commandId: command.commandId as string,
              code: 'INVALID_TRANSITION',
              message: 'The batch finished meanwhile.',
            },
            { causationId: command.commandId as string },
          ),
        ),
      ),
    ]);
    expect(response.status).toBe(409);
    const body = await readJson(response);
    expect(body.error.code).toBe('INVALID_TRANSITION');
    expect(body.error.message).toBe('The batch finished meanwhile.');
  });

  test('silent scheduler returns 202', async () => {
    const slow = await startGatewayFixture({ COMMAND_WAIT_MS: '200' });
    try {
      const script = new BatchScript(newId(), 1);
      await slow.publish(...script.imported());
      await batchWhen(slow, script.batchId);
      const response = await slow.request(`${BASE}/${script.batchId}/control`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ action: 'start' }),
      });
      expect(response.status).toBe(202);
      expect((await readJson(response)).command_id).toBeTypeOf('string');
    } finally {
      await slow.close();
    }
  });

  test.each([
    ['pause', 'pending', 'only a processing batch can be paused'],
    ['resume', 'pending', 'only a paused batch can be resumed'],
  ])('rejects %s of a %s batch with 409', async (action, _status, message) => {
    const script = await createdBatch();
    const response = await control(script.batchId, action);
    expect(response.status).toBe(409);
    const body = await readJson(response);
    expect(body.error.code).toBe('INVALID_TRANSITION');
    expect(body.error.message).toContain(message);
  });

  test('start of cancelled batch returns 409', async () => {
    const script = await createdBatch();
    await fixture.publish(
      script.event('batch.finished', { status: 'cancelled', succeeded: 0, failed: 0, skipped: 0 }),
    );
    await batchWhen(fixture, script.batchId, (batch) => batch.status === 'cancelled');
    const response = await control(script.batchId, 'start');
    expect(response.status).toBe(409);
    expect((await readJson(response)).error.message).toBe(
      'The batch is cancelled; only a pending batch can be started.',
    );
  });

  test('unknown action or batch rejected', async () => {
    const script = await createdBatch();
    expect((await control(script.batchId, 'explode')).status).toBe(422);
    const missing = await control(newId(), 'start');
    expect(missing.status).toBe(404);
    expect((await readJson(missing)).error.code).toBe('NOT_FOUND');
  });
});

describe('start of a batch with repeated orders', () => {
  /** Projects a batch of `itemCount` items whose links start with `orderUrlBase`. */
  async function projectedBatch(
    orderUrlBase: string,
    itemCount = 3,
    source: { kind: 'json' | 'xlsx' } = { kind: 'json' },
  ): Promise<BatchScript> {
    const script = new BatchScript(newId(), itemCount, orderUrlBase);
    await fixture.publish(...script.imported({ source }));
    await batchWhen(fixture, script.batchId);
    return script;
  }

  function start(batchId: string) {
    return postJson(`${BASE}/${batchId}/control`, { action: 'start' });
  }

  /** Sends a start to `target`, replies as the scheduler does, and returns both messages. */
  async function startAnswered(
    target: GatewayFixture,
    script: BatchScript,
    body: Record<string, unknown> = {},
  ): Promise<[Response, Record<string, unknown>]> {
    return Promise.all([
      target.request(`${BASE}/${script.batchId}/control`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ action: 'start', ...body }),
      }),
      takeCommand(target, CONSUMERS.schedulerCommands).then(async (command) => {
        const causationId = command.commandId as string;
        await target.publish(script.event('batch.started', { maxConcurrency: 5 }, { causationId }));
        return command;
      }),
    ]);
  }

  async function pendingSchedulerCommands(): Promise<number> {
    const jsm = await jetstreamManager(fixture.connection);
    const info = await jsm.consumers.info('ORDERFLOW_COMMANDS', CONSUMERS.schedulerCommands);
    return info.num_pending;
  }

  test('rejects links another batch succeeded with', async () => {
    const base = `https://shop.test/${newId()}`;
    const earlier = await projectedBatch(base);
    await fixture.publish(
      earlier.item('item.failed', 0, { attempt: 1, code: 'AMOUNT_MISMATCH', message: 'no' }),
      earlier.item('item.succeeded', 1, {
        attempt: 1,
        orderNumber: 'N-1',
        finalOrderUrl: `${base}/done/1`,
      }),
    );
    await batchWhen(fixture, earlier.batchId, (batch) => batch.counts.success === 1);
    const later = await projectedBatch(base);

    const response = await start(later.batchId);

    expect(response.status).toBe(409);
    const { error } = await readJson(response);
    expect(error.code).toBe('REPEATED_ORDERS');
    expect(error.message).toContain('1 order link of this batch is already done');
    // The fixture stores a JSON item's place in task_items as index + 2, as if two were skipped.
    expect(error.message).toContain(
      `The first is item 3: ${base}/1 (success in batch ${earlier.batchId}).`,
    );
    expect(error.message).toContain('"allow_repeated_orders": true');
    expect(error.details.error_count).toBe(1);
    expect(error.details.errors).toEqual([
      expect.objectContaining({
        index: 3,
        column: 'order_url',
        value: `${base}/1`,
        problem: 'repeated_order',
        batch_task_id: earlier.batchId,
        status: 'success',
      }),
    ]);
    expect(await pendingSchedulerCommands()).toBe(0);
  });

  test('rejects links queued elsewhere, by row', async () => {
    const base = `https://shop.test/${newId()}`;
    const running = await projectedBatch(base, 2);
    await fixture.publish(running.event('batch.started', { maxConcurrency: 1 }));
    await batchWhen(fixture, running.batchId, (batch) => batch.status === 'processing');
    const later = await projectedBatch(base, 3, { kind: 'xlsx' });

    const response = await start(later.batchId);

    expect(response.status).toBe(409);
    const { error } = await readJson(response);
    expect(error.message).toContain('2 order links of this batch are already done or in progress');
    expect(error.message).toContain(`The first is row 2: ${base}/0 (pending in batch`);
    expect(error.details.errors.map((order: { row: number }) => order.row)).toEqual([2, 3]);
    expect(error.details.errors[0].status).toBe('pending');
  });

  test('ignores links of pending batches', async () => {
    const base = `https://shop.test/${newId()}`;
    await projectedBatch(base);
    const later = await projectedBatch(base);

    const [response] = await startAnswered(fixture, later);

    expect(response.status).toBe(200);
  });

  test('ignores a batch being cancelled', async () => {
    const base = `https://shop.test/${newId()}`;
    const cancelling = await projectedBatch(base, 1);
    await fixture.publish(
      cancelling.event('batch.started', { maxConcurrency: 1 }),
      cancelling.event('batch.cancel_requested', {}),
    );
    await batchWhen(fixture, cancelling.batchId, (batch) => batch.cancel_requested === true);
    const later = await projectedBatch(base, 1);

    const [response] = await startAnswered(fixture, later);

    expect(response.status).toBe(200);
  });

  test('skips the check when turned off', async () => {
    const unchecked = await startGatewayFixture({ REJECT_REPEATED_ORDERS: 'false' });
    try {
      const base = `https://shop.test/${newId()}`;
      const earlier = new BatchScript(newId(), 1, base);
      const later = new BatchScript(newId(), 1, base);
      await unchecked.publish(
        ...earlier.imported(),
        earlier.item('item.succeeded', 0, {
          attempt: 1,
          orderNumber: 'N-0',
          finalOrderUrl: `${base}/done/0`,
        }),
        ...later.imported(),
      );
      await batchWhen(unchecked, later.batchId);

      const [response] = await startAnswered(unchecked, later);

      expect(response.status).toBe(200);
    } finally {
      await unchecked.close();
    }
  });

  test('starts anyway when allowed', async () => {
    const base = `https://shop.test/${newId()}`;
    const earlier = await projectedBatch(base, 1);
    await fixture.publish(
      earlier.item('item.succeeded', 0, {
        attempt: 1,
        orderNumber: 'N-0',
        finalOrderUrl: `${base}/done/0`,
      }),
    );
    await batchWhen(fixture, earlier.batchId, (batch) => batch.counts.success === 1);
    const later = await projectedBatch(base, 1);

    const [response, command] = await startAnswered(fixture, later, {
      allow_repeated_orders: true,
    });

    expect(response.status).toBe(200);
    expect(command).toMatchObject({ batchId: later.batchId, action: 'start' });
  });
});

describe('POST /{id}/retry', () => {
  test('retry without failures returns 409', async () => {
    const script = await createdBatch();
    const response = await fixture.request(`${BASE}/${script.batchId}/retry`, { method: 'POST' });
    expect(response.status).toBe(409);
    const body = await readJson(response);
    expect(body.error.code).toBe('NOTHING_TO_RETRY');
    expect(body.error.message).toContain('pending');
  });

  test('retry returns the requeued count', async () => {
    const script = await createdBatch(2);
    await fixture.publish(
      script.item('item.failed', 0, { attempt: 0, code: 'BLOCKED_ADDRESS', message: 'blocked' }),
    );
    await batchWhen(fixture, script.batchId, (batch) => batch.counts.failed === 1);
    const [response, command] = await Promise.all([
      fixture.request(`${BASE}/${script.batchId}/retry?limit=3`, { method: 'POST' }),
      takeCommand(fixture, CONSUMERS.schedulerCommands).then(async (command) => {
        const causationId = command.commandId as string;
        await fixture.publish(
          script.event('batch.retry_requested', { limit: 3, requeuedCount: 1 }, { causationId }),
        );
        // The scheduler publishes the requeued items after its response, possibly in a later
        // projector transaction, and the gateway must still report them in the counts.
        await eventually(
          () =>
            fixture.gateway.db
              .selectFrom('event_log')
              .select('seq')
              .where('causation_id', '=', causationId)
              .execute(),
          (rows) => rows.length === 1,
        );
        await fixture.publish(
          script.event(
            'item.requeued',
            { attemptsBefore: 0 },
            { itemId: script.itemId(0), causationId },
          ),
        );
        return command;
      }),
    ]);
    expect(command.type).toBe('retry');
    expect(command.limit).toBe(3);
    expect(response.status).toBe(200);
    const body = await readJson(response);
    expect(body.requeued_count).toBe(1);
    expect(body.batch.counts.failed).toBe(0);
    expect(body.batch.counts.pending).toBe(2);
  });

  test('rejects a limit below 1 with 422', async () => {
    const script = await createdBatch();
    const response = await fixture.request(`${BASE}/${script.batchId}/retry?limit=0`, {
      method: 'POST',
    });
    expect(response.status).toBe(422);
  });
});

describe('PUT /items/{id}', () => {
  test('hand update is an event', async () => {
    const script = await createdBatch(1);
    const response = await fixture.request(`${BASE}/items/${script.itemId(0)}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        status: 'success',
        order_number: 'A-1',
        final_order_url: 'https://a.test/done',
      }),
    });
    expect(response.status).toBe(200);
    const item = await readJson(response);
    expect(item.status).toBe('success');
    expect(item.order_number).toBe('A-1');
    expect(item.updated_by).toBe('tester');

    const history = await fixture.gateway.db
      .selectFrom('event_log')
      .select(['type', 'data'])
      .where('item_id', '=', script.itemId(0))
      .execute();
    expect(history).toEqual([
      {
        type: 'item.updated_by_hand',
        data: expect.objectContaining({ status: 'success', updatedBy: 'tester' }),
      },
    ]);
    const batch = await batchWhen(fixture, script.batchId);
    expect(batch.counts.success).toBe(1);
    expect(batch.counts.pending).toBe(0);

    const itemHistory = await readJson(
      await fixture.request(`${BASE}/items/${script.itemId(0)}/history`),
    );
    expect(itemHistory.events).toHaveLength(1);
    expect(itemHistory.events[0].type).toBe('item.updated_by_hand');
    expect(itemHistory.events[0].data.updatedBy).toBe('tester');
    expect((await fixture.request(`${BASE}/items/${newId()}/history`)).status).toBe(404);
  });

  test('unknown item or status rejected', async () => {
    const script = await createdBatch(1);
    const put = (itemId: string, body: unknown) =>
      fixture.request(`${BASE}/items/${itemId}`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    expect((await put(newId(), { status: 'success' })).status).toBe(404);
    expect((await put(script.itemId(0), { status: 'done' })).status).toBe(422);
  });
});
