import { jetstreamManager } from '@nats-io/jetstream';
import { EVENTS_STREAM, newId, PROJECTOR_CONSUMER, subjects } from '@orderflow/contracts';
import { createTestDatabase } from '@orderflow/harness';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createDatabase, migrateToLatest, type ReadModelDb } from '../src/db/database';
import { startGateway } from '../src/index';
import { applyEvents, type StreamEvent } from '../src/projector/apply-events';
import { RebuildTargetNotEmptyError, rebuildReadModel } from '../src/projector/rebuild';
import {
  BatchScript,
  batchWhen,
  eventually,
  type GatewayFixture,
  log,
  startGatewayFixture,
  testConfig,
} from './gateway-fixture';

describe('applyEvents', () => {
  let db: ReadModelDb;
  let drop: () => Promise<void>;
  let nextSeq = 1;

  beforeAll(async () => {
    const database = await createTestDatabase();
    drop = database.drop;
    db = createDatabase({ url: database.url, log });
    await migrateToLatest(db, log);
  });
  afterAll(async () => {
    await db?.destroy();
    await drop?.();
  });

  function sequenced(...events: StreamEvent['event'][]): StreamEvent[] {
    return events.map((event) => ({ seq: nextSeq++, event }));
  }

  async function batchRow(batchId: string) {
    return db.selectFrom('batches').selectAll().where('id', '=', batchId).executeTakeFirstOrThrow();
  }

  async function itemRow(itemId: string) {
    return db.selectFrom('items').selectAll().where('id', '=', itemId).executeTakeFirstOrThrow();
  }

  test('applies a redelivered event once', async () => {
    const script = new BatchScript(newId(), 2);
    const events = sequenced(
      ...script.imported(),
      script.item('item.dispatched', 0, { attempt: 1, verifyFirst: false }),
    );

    const first = await applyEvents(db, events);
    const again = await applyEvents(db, events);
    const dispatchedOnly = await applyEvents(db, [events[2]!]);

    expect(first.applied).toBe(3);
    expect(again.applied).toBe(0);
    expect(dispatchedOnly.applied).toBe(0);
    const batch = await batchRow(script.batchId);
    expect(batch.pending_count).toBe(1);
    expect(batch.processing_count).toBe(1);
  });

  test('late older event keeps newer state', async () => {
    const script = new BatchScript(newId(), 1);
    const [added, created, dispatched, succeeded] = sequenced(
      ...script.imported(),
      script.item('item.dispatched', 0, { attempt: 1, verifyFirst: false }),
      script.item('item.succeeded', 0, {
        attempt: 1,
        orderNumber: 'N-1',
        finalOrderUrl: 'https://a.test/n1',
      }),
    );

    await applyEvents(db, [succeeded!]);
    await applyEvents(db, [dispatched!]);
    await applyEvents(db, [created!]);
    await applyEvents(db, [added!]);

    const item = await itemRow(script.itemId(0));
    expect(item.status).toBe('success');
    expect(item.order_number).toBe('N-1');
    expect(item.order_url).toBe('https://shop.test/orders/0');
    const batch = await batchRow(script.batchId);
    expect(batch.success_count).toBe(1);
    expect(batch.pending_count).toBe(0);
    expect(batch.processing_count).toBe(0);
    expect(batch.created_seq).not.toBeNull();
  });

  test('older attempt outcome is ignored', async () => {
    const script = new BatchScript(newId(), 1);
    await applyEvents(
      db,
      sequenced(
        ...script.imported(),
        script.item('item.dispatched', 0, { attempt: 2, verifyFirst: false }),
        script.item('item.failed', 0, { attempt: 1, code: 'WORKER_LOST', message: 'lost' }),
      ),
    );
    const item = await itemRow(script.itemId(0));
    expect(item.status).toBe('processing');
    expect(item.attempts).toBe(2);
  });

  test('hides a batch until it is created', async () => {
    const script = new BatchScript(newId(), 3);
    await applyEvents(db, sequenced(script.itemsAdded()));
    const hidden = await batchRow(script.batchId);
    expect(hidden.visible).toBe(false);
    expect(hidden.pending_count).toBe(3);

    await applyEvents(db, sequenced(script.created()));
    expect((await batchRow(script.batchId)).visible).toBe(true);
  });

  test('batch hidden until last chunk', async () => {
    const script = new BatchScript(newId(), 4);
    const [firstChunk, secondChunk, created] = sequenced(
      script.itemsAdded(0, 0, 2),
      script.itemsAdded(1, 2, 4),
      script.created(),
    );
    await applyEvents(db, [firstChunk!, created!]);
    expect((await batchRow(script.batchId)).visible).toBe(false);

    await applyEvents(db, [secondChunk!]);
    const shown = await batchRow(script.batchId);
    expect(shown.visible).toBe(true);
    expect(shown.pending_count).toBe(4);
  });

  test('attempt keeps its newest outcome', async () => {
    const script = new BatchScript(newId(), 1);
    const itemId = script.itemId(0);
    const artifacts = { bucket: 'orderflow_artifacts', screenshot: 'shot.png' };
    const [dispatched, started, failed, timedOut] = sequenced(
      script.item('item.dispatched', 0, { attempt: 1, verifyFirst: false }),
      script.item('item.attempt_started', 0, { attempt: 1, workerId: 'w-1', recipe: 'shop' }),
      script.item('item.attempt_failed', 0, {
        attempt: 1,
        code: 'ELEMENT_NOT_FOUND',
        message: 'no button',
        retryable: true,
        artifacts,
      }),
      script.item('item.attempt_timed_out', 0, { attempt: 1, timeoutMs: 1000 }),
    );
    await applyEvents(db, [timedOut!, dispatched!]);
    await applyEvents(db, [failed!, started!]);

    const attempt = await db
      .selectFrom('attempts')
      .selectAll()
      .where('item_id', '=', itemId)
      .executeTakeFirstOrThrow();
    expect(attempt.outcome).toBe('timed_out');
    expect(attempt.worker_id).toBe('w-1');
    expect(attempt.dispatched_at).not.toBeNull();
  });

  test('racing projectors keep exact counts', async () => {
    const script = new BatchScript(newId(), 200);
    const imported = sequenced(...script.imported());
    await applyEvents(db, imported);
    const decisions = sequenced(
      ...Array.from({ length: 200 }, (_, index) =>
        script.item('item.dispatched', index, { attempt: 1, verifyFirst: false }),
      ),
      ...Array.from({ length: 200 }, (_, index) =>
        index % 2 === 0
          ? script.item('item.succeeded', index, {
              attempt: 1,
              orderNumber: `N${index}`,
              finalOrderUrl: 'https://a.test',
            })
          : script.item('item.failed', index, {
              attempt: 1,
              code: 'AMOUNT_MISMATCH',
              message: 'wrong amount',
            }),
      ),
    );
    const shuffled = [...decisions].sort(() => Math.random() - 0.5);
    const halves = [shuffled.slice(0, 200), shuffled.slice(200)];
    await Promise.all([
      ...halves.map((half) => applyEvents(db, half)),
      ...halves.map((half) => applyEvents(db, half.slice(0, 50))),
    ]);

    const batch = await batchRow(script.batchId);
    expect(batch.success_count).toBe(100);
    expect(batch.failed_count).toBe(100);
    expect(batch.pending_count + batch.processing_count).toBe(0);
  });
});

/** Columns left out of the rebuild comparison, set to undefined so JSON drops them. */
const COMMIT_ORDER_COLUMNS = { version: undefined, feed_id: undefined, last_feed_id: undefined };

describe('projector over JetStream', () => {
  let fixture: GatewayFixture;

  beforeAll(async () => {
    fixture = await startGatewayFixture();
  });
  afterAll(async () => {
    await fixture?.close();
  });

  test('restarted gateway catches up', async () => {
    const script = new BatchScript(newId(), 5);
    await fixture.publish(...script.imported());
    await batchWhen(fixture, script.batchId);

    await fixture.gateway.stop();
    await fixture.publish(
      script.event('batch.started', { maxConcurrency: 2 }),
      ...Array.from({ length: 5 }, (_, index) =>
        script.item('item.skipped', index, { reason: 'duplicate order' }),
      ),
      script.event('batch.finished', { status: 'failed', succeeded: 0, failed: 0, skipped: 5 }),
    );
    await fixture.restart();

    const batch = await batchWhen(fixture, script.batchId, (body) => body.status === 'failed');
    expect(batch.counts.skipped).toBe(5);
    expect(batch.progress).toBe(100);
  });

  test('unstorable event is skipped alone', async () => {
    const script = new BatchScript(newId(), 2);
    // Published while the gateway is down, so that the projector fetches all in one batch.
    await fixture.gateway.stop();
    await fixture.publish(
      ...script.imported(),
      script.item('item.skipped', 0, { reason: 'contains a NUL \u0000 character' }),
      script.item('item.skipped', 1, { reason: 'duplicate' }),
    );
    await fixture.restart();

    const batch = await batchWhen(fixture, script.batchId, (body) => body.counts.skipped === 1);
    expect(batch.counts.pending).toBe(1);
    expect(batch.task_items[1].status).toBe('skipped');
    const jsm = await jetstreamManager(fixture.connection);
    const consumer = await eventually(
      () => jsm.consumers.info(EVENTS_STREAM.name, PROJECTOR_CONSUMER.durable_name),
      (info) => info.num_ack_pending === 0 && info.num_pending === 0,
    );
    expect(consumer.num_redelivered).toBe(0);
  });

  test('invalid event message is skipped', async () => {
    const script = new BatchScript(newId(), 1);
    const { jetstream } = await import('@nats-io/jetstream');
    await jetstream(fixture.connection).publish(
      subjects.event(script.batchId, 'batch.created'),
      '{"nope":1}',
    );
    await fixture.publish(...script.imported());
    const batch = await batchWhen(fixture, script.batchId);
    expect(batch.total_items).toBe(1);
  });

  test('two gateway replicas project exact counts', async () => {
    const second = await startGateway(testConfig(fixture.database.url), {
      connection: fixture.connection,
      log,
    });
    try {
      const script = new BatchScript(newId(), 300);
      const events = [
        ...script.imported(),
        ...Array.from({ length: 300 }, (_, index) =>
          script.item('item.dispatched', index, { attempt: 1, verifyFirst: false }),
        ),
        ...Array.from({ length: 300 }, (_, index) =>
          script.item('item.succeeded', index, {
            attempt: 1,
            orderNumber: `N${index}`,
            finalOrderUrl: 'https://a.test',
          }),
        ),
      ];
      await fixture.publish(...events);
      const batch = await batchWhen(fixture, script.batchId, (body) => body.counts.success === 300);
      expect(batch.counts.processing).toBe(0);
      expect(batch.counts.pending).toBe(0);
      expect(batch.total_items).toBe(300);
    } finally {
      await second.stop();
    }
  });

  test('rebuild yields the same rows', async () => {
    const script = new BatchScript(newId(), 4);
    await fixture.publish(
      ...script.imported({ extra: { customer: 'ACME' } }),
      script.event('batch.started', { maxConcurrency: 2 }),
      script.item('item.dispatched', 0, { attempt: 1, verifyFirst: false }),
      script.item('item.attempt_started', 0, { attempt: 1, workerId: 'w', recipe: 'shop' }),
      script.item('item.attempt_failed', 0, {
        attempt: 1,
        code: 'PAGE_SERVER_ERROR',
        message: '502',
        retryable: true,
      }),
      script.item('item.retry_scheduled', 0, {
        attempt: 1,
        nextAttempt: 2,
        notBefore: new Date().toISOString(),
        delayMs: 10,
        code: 'PAGE_SERVER_ERROR',
      }),
      script.item('item.succeeded', 1, {
        attempt: 1,
        orderNumber: 'X',
        finalOrderUrl: 'https://a.test',
      }),
      script.item('item.updated_by_hand', 2, { status: 'skipped', updatedBy: 'ops' }),
    );
    const jsm = await jetstreamManager(fixture.connection);
    const lastSeq = (await jsm.streams.info(EVENTS_STREAM.name)).state.last_seq;
    await eventually(
      () =>
        fixture.gateway.db
          .selectFrom('event_log')
          .select((eb) => eb.fn.max('seq').as('max'))
          .executeTakeFirstOrThrow(),
      (row) => Number(row.max) === lastSeq,
    );

    const projected = await fixture.gateway.db
      .selectFrom('event_log')
      .select((eb) => eb.fn.countAll<string>().as('count'))
      .executeTakeFirstOrThrow();
    const rebuilt = await createTestDatabase();
    const rebuiltDb = createDatabase({ url: rebuilt.url, log });
    try {
      await migrateToLatest(rebuiltDb, log);
      const result = await rebuildReadModel({ connection: fixture.connection, db: rebuiltDb, log });
      expect(result.events).toBe(Number(projected.count));
      // Columns that follow commit order or count writes differ when a rebuild batches events
      // differently from the live projectors; all state columns must match.
      for (const table of ['batches', 'items', 'attempts', 'event_log'] as const) {
        const dump = (db: ReadModelDb) =>
          db
            .selectFrom(table)
            .selectAll()
            .execute()
            .then((rows) =>
              rows.map((row) => JSON.stringify({ ...row, ...COMMIT_ORDER_COLUMNS })).sort(),
            );
        expect(await dump(rebuiltDb), table).toEqual(await dump(fixture.gateway.db));
      }
      await expect(
        rebuildReadModel({ connection: fixture.connection, db: rebuiltDb, log }),
      ).rejects.toBeInstanceOf(RebuildTargetNotEmptyError);
      const consumers = await jsm.consumers.list(EVENTS_STREAM.name).next();
      expect(consumers.map((consumer) => consumer.name)).toEqual([PROJECTOR_CONSUMER.durable_name]);
    } finally {
      await rebuiltDb.destroy();
      await rebuilt.drop();
    }
  });
});
