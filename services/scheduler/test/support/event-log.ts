import type { ConsumerMessages, JetStreamClient } from '@nats-io/jetstream';
import {
  EVENTS_STREAM,
  type EventType,
  type OrderflowEvent,
  parseEvent,
} from '@orderflow/contracts';
import { decodeJson } from '@orderflow/service-kit';

/** An event with its stream sequence. */
export type LoggedEvent = OrderflowEvent & { seq: number };

/** Collects every event of ORDERFLOW_EVENTS in stream order, for assertions. */
export class EventLog {
  readonly events: LoggedEvent[] = [];
  private messages?: ConsumerMessages;
  private listeners = new Set<() => void>();

  static async start(js: JetStreamClient): Promise<EventLog> {
    const log = new EventLog();
    const consumer = await js.consumers.get(EVENTS_STREAM.name);
    log.messages = await consumer.consume({ expires: 5_000 });
    void (async () => {
      for await (const message of log.messages!) {
        log.events.push({ ...parseEvent(decodeJson(message.data)), seq: message.seq });
        for (const listener of log.listeners) listener();
      }
    })();
    return log;
  }

  stop(): void {
    this.messages?.stop();
  }

  /** Events of one type, optionally of one batch. */
  ofType<T extends EventType>(
    type: T,
    batchId?: string,
  ): Array<OrderflowEvent<T> & { seq: number }> {
    return this.events.filter(
      (event) => event.type === type && (batchId === undefined || event.batchId === batchId),
    ) as Array<OrderflowEvent<T> & { seq: number }>;
  }

  /** Waits until `predicate` holds on the events so far; rejects with `what` on timeout. */
  waitUntil(predicate: (events: LoggedEvent[]) => boolean, what: string, timeoutMs = 20_000) {
    return new Promise<void>((resolve, reject) => {
      const check = () => {
        if (!predicate(this.events)) return;
        cleanup();
        resolve();
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        this.listeners.delete(check);
      };
      this.listeners.add(check);
      check();
    });
  }

  /** Waits for the first event of `type` that matches, and returns it. */
  async waitFor<T extends EventType>(
    type: T,
    match: (event: OrderflowEvent<T>) => boolean = () => true,
    timeoutMs = 20_000,
  ): Promise<OrderflowEvent<T> & { seq: number }> {
    const find = () =>
      this.ofType(type).find((event) => match(event as OrderflowEvent<T>)) as
        | (OrderflowEvent<T> & { seq: number })
        | undefined;
    await this.waitUntil(() => find() !== undefined, type, timeoutMs);
    return find()!;
  }
}
