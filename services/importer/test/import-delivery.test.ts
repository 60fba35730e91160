import { jetstreamManager } from '@nats-io/jetstream';
import {
  deriveItemId,
  IMPORTER_CONSUMER,
  MAX_MESSAGE_BYTES,
  newId,
  subjects,
} from '@orderflow/contracts';
import { encodeJson } from '@orderflow/service-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_CHUNK_ITEMS_CHARS } from '../src/publish-batch';
import { type ImporterFixture, startImporterFixture } from './support/importer-fixture';

let fixture: ImporterFixture;

beforeAll(async () => {
  fixture = await startImporterFixture();
});

afterAll(async () => {
  await fixture?.close();
});

/** Waits until the importer consumer has no command left to deliver or to acknowledge. */
async function waitForIdleConsumer(): Promise<void> {
  const jsm = await jetstreamManager(fixture.nc);
  const deadline = Date.now() + 20_000;
  for (;;) {
    const info = await jsm.consumers.info(IMPORTER_CONSUMER.stream, IMPORTER_CONSUMER.durable_name);
    if (info.num_pending === 0 && info.num_ack_pending === 0 && !fixture.importer.busy) return;
    if (Date.now() > deadline)
      throw new Error(`importer consumer still busy: ${JSON.stringify(info)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('importer delivery', () => {
  it.each([
    ['ASCII', 'n'.repeat(300), MAX_CHUNK_ITEMS_CHARS + 1_024],
    ['three-byte UTF-8', '注文メモ'.repeat(75), 3 * MAX_CHUNK_ITEMS_CHARS + 1_024],
  ])(
    'splits a batch with %s extra columns into chunks under the message limit',
    async (_name, note, maxBytes) => {
      const items = Array.from({ length: 3_000 }, (_, i) => ({
        order_url: `https://shop.example.com/orders/${i}`,
        amount: (i % 100) + 1,
        note,
      }));
      const source = await fixture.upload(
        Buffer.from(JSON.stringify({ task_items: items })),
        undefined,
        'json',
      );
      const result = await fixture.importAndWait(source);

      const chunks = result.events.filter((event) => event.type === 'batch.items_added');
      expect(result.created?.data.itemCount).toBe(3_000);
      expect(result.created?.data.chunkCount).toBe(chunks.length);
      expect(chunks.length).toBeGreaterThan(3);
      for (const [number, chunk] of chunks.entries()) {
        const bytes = Buffer.byteLength(JSON.stringify(chunk));
        expect(chunk.type).toBe('batch.items_added');
        expect(chunk.type === 'batch.items_added' ? chunk.data.chunk : -1).toBe(number);
        expect(bytes).toBeLessThan(maxBytes);
        expect(bytes).toBeLessThan(MAX_MESSAGE_BYTES);
      }
      const batchId = result.created?.batchId ?? '';
      expect(result.items.map((item) => item.index)).toEqual(items.map((_, i) => i));
      expect(result.items[2_999]?.itemId).toBe(deriveItemId(batchId, 2_999));
      expect(result.items[2_999]?.extra).toEqual({ note });
    },
  );

  it('publishes no second batch on redelivery', async () => {
    const source = await fixture.upload(
      Buffer.from('order_url,amount\nhttps://shop.example.com/1,1\nhttps://shop.example.com/2,2\n'),
    );
    const command = await fixture.sendImport(source);
    const first = await fixture.waitForOutcome(command.batchId);
    await waitForIdleConsumer();
    const storedAfterFirst = await fixture.countStoredEvents(command.batchId);

    // The same command again, as JetStream delivers it when an ack was lost.
    await fixture.js.publish(subjects.importCommand(command.batchId), encodeJson(command), {
      msgID: newId(),
    });
    await waitForIdleConsumer();

    expect(first.created?.data.chunkCount).toBe(1);
    expect(storedAfterFirst).toBe(2);
    expect(await fixture.countStoredEvents(command.batchId)).toBe(2);
  });

  it('terminates a malformed command and goes on', async () => {
    const batchId = newId();
    await fixture.js.publish(subjects.importCommand(batchId), Buffer.from('{"type":"import"'));
    await waitForIdleConsumer();

    const result = await fixture.importAndWait({
      kind: 'items',
      items: [{ order_url: 'https://shop.example.com/after', amount: 1 }],
    });
    expect(await fixture.countStoredEvents(batchId)).toBe(0);
    expect(result.created?.data.itemCount).toBe(1);
  });

  it('finishes the current import when stopped', async () => {
    const own = await startImporterFixture();
    try {
      const items = Array.from({ length: 20_000 }, (_, i) => ({
        order_url: `https://shop.example.com/orders/${i}`,
        amount: 1,
      }));
      const source = await own.upload(Buffer.from(JSON.stringify(items)), undefined, 'json');
      const command = await own.sendImport(source);
      const deadline = Date.now() + 10_000;
      while (!own.importer.busy && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      expect(own.importer.busy).toBe(true);
      await own.importer.stop();

      const result = await own.waitForOutcome(command.batchId);
      expect(result.created?.data.itemCount).toBe(20_000);
      const jsm = await jetstreamManager(own.nc);
      const info = await jsm.consumers.info(
        IMPORTER_CONSUMER.stream,
        IMPORTER_CONSUMER.durable_name,
      );
      expect(info.num_ack_pending).toBe(0);
    } finally {
      await own.close();
    }
  });
});
