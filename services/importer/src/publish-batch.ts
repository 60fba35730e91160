import type { JetStreamClient, PubAck } from '@nats-io/jetstream';
import {
  assembleEvent,
  deriveId,
  deriveItemId,
  type EventType,
  type ImportedItem,
  type OrderflowEvent,
  subjects,
} from '@orderflow/contracts';
import { encodeJson } from '@orderflow/service-kit';
import type { ValidItem } from './rows/validate-rows';

/**
 * Largest length of the items' JSON in one `batch.items_added` chunk, in UTF-16 code units as
 * JavaScript counts string length. A code unit takes at most 3 bytes in UTF-8, so a chunk stays
 * under 768 KiB plus its envelope, inside the 1 MiB message limit, and plain ASCII chunks hold
 * 256 KiB, which replicates and projects quickly.
 */
export const MAX_CHUNK_ITEMS_CHARS = 256 * 1024;

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
    await this.publishEncoded({
      subject: subjects.event(event.batchId, event.type),
      id: event.id,
      data: encodeJson(event),
    });
  }

  /** Starts the publish of an event already encoded, such as an item chunk. */
  async publishEncoded(message: EncodedEvent): Promise<void> {
    if (this.pending.length >= this.windowSize) await this.pending.shift();
    const ack = this.js.publish(message.subject, message.data, { msgID: message.id });
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

/** An event as JSON bytes, with the subject and id it is published under. */
export interface EncodedEvent {
  subject: string;
  id: string;
  data: Uint8Array;
}

/**
 * Groups items into chunks, each item already written as JSON, so that every item is serialised
 * once and a chunk's size is the sum of its items' lengths. A chunk contains at most
 * {@link MAX_CHUNK_ITEMS_CHARS} code units of item JSON, or one item when a single item is
 * longer, which row validation prevents.
 */
export function* chunkItems(batchId: string, items: ValidItem[]): Generator<string[]> {
  let chunk: string[] = [];
  let chunkChars = 0;
  for (const [index, item] of items.entries()) {
    const imported: ImportedItem = {
      itemId: deriveItemId(batchId, index),
      index,
      row: item.row,
      orderUrl: item.orderUrl,
      amount: item.amount,
      extra: item.extra,
    };
    const json = JSON.stringify(imported);
    // One more code unit for the comma between items.
    if (chunk.length > 0 && chunkChars + json.length + 1 > MAX_CHUNK_ITEMS_CHARS) {
      yield chunk;
      chunk = [];
      chunkChars = 0;
    }
    chunk.push(json);
    chunkChars += json.length + 1;
  }
  if (chunk.length > 0) yield chunk;
}

/** Fields of every event the importer publishes for one command. */
export interface ImportEventContext {
  batchId: string;
  commandId: string;
}

/** The end of an items_added event's JSON with no items: the empty list and two closing braces. */
const EMPTY_ITEMS_END = '[]}}';

/**
 * Encodes the `batch.items_added` event of one chunk from its items' JSON. The envelope is
 * serialised with an empty item list, whose place at the very end follows from the key order
 * of the event and its data, and the items are set into it. The items come out of the row
 * checks, so the event is not validated again here; the projector validates it when reading.
 */
export function itemsAddedMessage(
  context: ImportEventContext,
  chunk: number,
  itemsJson: string[],
): EncodedEvent {
  const envelope = assembleEvent(
    'batch.items_added',
    {
      source: 'importer',
      batchId: context.batchId,
      causationId: context.commandId,
      id: importEventIds.itemsAdded(context.batchId, chunk),
    },
    { chunk, items: [] },
  );
  const empty = JSON.stringify(envelope);
  if (!empty.endsWith(EMPTY_ITEMS_END)) {
    throw new Error(`the items_added envelope does not end with its item list: ${empty}`);
  }
  const json = `${empty.slice(0, -EMPTY_ITEMS_END.length)}[${itemsJson.join(',')}]}}`;
  return {
    subject: subjects.event(context.batchId, 'batch.items_added'),
    id: envelope.id,
    data: Buffer.from(json),
  };
}
