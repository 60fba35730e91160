import type { JetStreamClient, PubAck } from '@nats-io/jetstream';
import {
  createEvent,
  deriveId,
  deriveItemId,
  type EventType,
  type ImportedItem,
  type OrderflowEvent,
  subjects,
} from '@orderflow/contracts';
import { encodeJson } from '@orderflow/service-kit';
import { itemJsonBytes } from './item-json-size';
import type { ValidItem } from './rows/validate-rows';

/**
 * Largest JSON size of the items of one `batch.items_added` chunk, in bytes. It leaves room for
 * the envelope and stays far below the 1 MiB message limit, so chunks replicate and project
 * quickly.
 */
export const MAX_CHUNK_ITEMS_BYTES = 256 * 1024;

/** Ids of the events of one import, derived from the batch id so that a redelivery repeats them. */
export const importEventIds = {
  itemsAdded: (batchId: string, chunk: number) => deriveId(batchId, `items_added:${chunk}`),
  created: (batchId: string) => deriveId(batchId, 'created'),
  rejected: (batchId: string) => deriveId(batchId, 'import_rejected'),
};

/** Publishes events with the event id as `Nats-Msg-Id`, keeping a window of pending acks. */
export class EventPublisher {
  private readonly pending: Array<Promise<PubAck>> = [];

  constructor(
    private readonly js: JetStreamClient,
    private readonly windowSize: number,
  ) {}

  /** Starts a publish; waits first when the window of unacknowledged publishes is full. */
  async publish<T extends EventType>(event: OrderflowEvent<T>): Promise<void> {
    if (this.pending.length >= this.windowSize) await this.pending.shift();
    const subject = subjects.event(event.batchId, event.type);
    const ack = this.js.publish(subject, encodeJson(event), { msgID: event.id });
    // Attach a handler now so that a failure is not reported as unhandled before flush() awaits it.
    ack.catch(() => undefined);
    this.pending.push(ack);
  }

  /** Waits for every pending publish; throws the first failure. */
  async flush(): Promise<void> {
    const pending = this.pending.splice(0);
    await Promise.all(pending);
  }
}

/** Groups items into chunks whose JSON stays under {@link MAX_CHUNK_ITEMS_BYTES}. */
export function* chunkItems(batchId: string, items: ValidItem[]): Generator<ImportedItem[]> {
  let chunk: ImportedItem[] = [];
  let chunkBytes = 0;
  for (const [index, item] of items.entries()) {
    const imported: ImportedItem = {
      itemId: deriveItemId(batchId, index),
      index,
      row: item.row,
      orderUrl: item.orderUrl,
      amount: item.amount,
      extra: item.extra,
    };
    // One more byte for the comma between items.
    const bytes = itemJsonBytes(imported) + 1;
    if (chunk.length > 0 && chunkBytes + bytes > MAX_CHUNK_ITEMS_BYTES) {
      yield chunk;
      chunk = [];
      chunkBytes = 0;
    }
    chunk.push(imported);
    chunkBytes += bytes;
  }
  if (chunk.length > 0) yield chunk;
}

/** Fields of every event the importer publishes for one command. */
export interface ImportEventContext {
  batchId: string;
  commandId: string;
}

/** Builds the `batch.items_added` event of one chunk. */
export function itemsAddedEvent(context: ImportEventContext, chunk: number, items: ImportedItem[]) {
  return createEvent(
    'batch.items_added',
    {
      source: 'importer',
      batchId: context.batchId,
      causationId: context.commandId,
      id: importEventIds.itemsAdded(context.batchId, chunk),
    },
    { chunk, items },
  );
}
