import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import {
  EVENTS_STREAM,
  type EventType,
  type OrderflowEvent,
  parseEvent,
  WORK_STREAM,
} from '@orderflow/contracts';
import { decodeJson } from '@orderflow/service-kit';

/** An event with its stream sequence. */
export type StoredEvent = OrderflowEvent & { seq: number };

const READ_TIMEOUT_MS = 10_000;
const POLL_INTERVAL_MS = 250;

/** Selects the events of one type from a list, keeping their data type. */
export function ofType<T extends EventType>(
  events: StoredEvent[],
  type: T,
): Array<OrderflowEvent<T> & { seq: number }> {
  return events.filter((event) => event.type === type) as Array<
    OrderflowEvent<T> & { seq: number }
  >;
}

/**
 * Reads `ORDERFLOW_EVENTS` directly from NATS, as any subscriber of the public events would.
 * The connection retries forever, so that it survives a restart of nats-server.
 */
export class EventHistory {
  private constructor(private readonly connection: NatsConnection) {}

  static async connect(natsUrl: string): Promise<EventHistory> {
    const connection = await connect({
      servers: natsUrl,
      maxReconnectAttempts: -1,
      reconnectTimeWait: 250,
      name: 'e2e-event-history',
    });
    return new EventHistory(connection);
  }

  /** Returns every stored event of the batch, in stream order. */
  async read(batchId: string): Promise<StoredEvent[]> {
    const jsm = await jetstreamManager(this.connection);
    const lastSeq = (await jsm.streams.info(EVENTS_STREAM.name)).state.last_seq;
    const events: StoredEvent[] = [];
    if (lastSeq === 0) return events;

    const consumer = await jetstream(this.connection).consumers.get(EVENTS_STREAM.name);
    const messages = await consumer.consume({ expires: READ_TIMEOUT_MS });
    const timer = setTimeout(() => messages.stop(), READ_TIMEOUT_MS);
    let reachedEnd = false;
    try {
      for await (const message of messages) {
        const event = parseEvent(decodeJson(message.data));
        if (event.batchId === batchId) events.push({ ...event, seq: message.seq });
        if (message.seq >= lastSeq) {
          reachedEnd = true;
          break;
        }
      }
    } finally {
      clearTimeout(timer);
      messages.stop();
    }
    if (!reachedEnd) throw new Error(`reading ${EVENTS_STREAM.name} stopped before ${lastSeq}`);
    return events;
  }

  /** Polls the batch's events until `done` holds; rejects naming `description` after `timeoutMs`. */
  async waitUntil(
    batchId: string,
    done: (events: StoredEvent[]) => boolean,
    description: string,
    timeoutMs = 60_000,
  ): Promise<StoredEvent[]> {
    const deadline = Date.now() + timeoutMs;
    let lastError: unknown;
    while (Date.now() < deadline) {
      try {
        const events = await this.read(batchId);
        if (done(events)) return events;
      } catch (error) {
        // The server may be restarting; keep polling until the deadline.
        lastError = error;
      }
      await new Promise((resolve) => setTimeout(resolve, POLL_INTERVAL_MS));
    }
    const cause = lastError === undefined ? '' : ` (last error: ${String(lastError)})`;
    throw new Error(`timed out after ${timeoutMs} ms waiting for ${description}${cause}`);
  }

  /** Number of messages waiting in the work stream, across all batches. */
  async workMessages(): Promise<number> {
    const jsm = await jetstreamManager(this.connection);
    return (await jsm.streams.info(WORK_STREAM.name)).state.messages;
  }

  close(): Promise<void> {
    return this.connection.close();
  }
}
