import { type ConsumerMessages, type JsMsg, jetstream } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { EVENTS_STREAM, parseEvent } from '@orderflow/contracts';
import type { Logger } from 'pino';
import type { ReadModelDb } from '../db/database';
import { isDatabaseUnavailable } from '../http/api-error';
import { applyEvents, type StreamEvent } from './apply-events';

/** Default number of events applied in one transaction. */
export const DEFAULT_PROJECTOR_BATCH_SIZE = 1_000;

const MIN_RETRY_DELAY_MS = 200;
const MAX_RETRY_DELAY_MS = 5_000;

/** Postgres errors that a later retry can get past: deadlocks, serialization, lock timeouts, limits. */
const TRANSIENT_SQL_STATES = new Set(['40P01', '40001', '55P03', '53300', '53400', '57014']);

/** Tells whether the same transaction may succeed when tried again later. */
function isTransientDatabaseError(error: unknown): boolean {
  if (isDatabaseUnavailable(error)) return true;
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' && TRANSIENT_SQL_STATES.has(code);
}
/**
 * Minimum interval of `working()` calls for messages held while Postgres is down. A failed
 * transaction and the retry pause take at most about 10 s together (5 s connection timeout, 5 s
 * pause), so a held message hears from the projector well within the consumer's 30 s `ack_wait`.
 */
const WORKING_INTERVAL_MS = 10_000;

/** Options of {@link Projector}. */
export interface ProjectorOptions {
  connection: NatsConnection;
  db: ReadModelDb;
  log: Logger;
  /** Durable consumer on the events stream; a rebuild uses a fresh one. */
  consumerName: string;
  /** Events applied in one transaction; default {@link DEFAULT_PROJECTOR_BATCH_SIZE}. */
  batchSize?: number;
  /** Called after each committed transaction, with the number of newly applied events. */
  onApplied?: (applied: number, durationMs: number) => void;
}

/** Health of the projector as `/readyz` reports it. */
export interface ProjectorHealth {
  /** False while the last transaction failed, for example because Postgres is down. */
  writing: boolean;
  lastError?: string;
}

/**
 * Consumes the events stream through a durable pull consumer and applies what arrives in
 * batched transactions, in stream order. Messages are acknowledged only after their transaction
 * committed. When a transaction fails (Postgres unreachable), the projector keeps the messages,
 * extends their ack deadline and retries them with a growing pause, so that nothing is lost and
 * it catches up later in order.
 */
export class Projector {
  readonly #options: ProjectorOptions;
  readonly #log: Logger;
  readonly #buffer: JsMsg[] = [];
  #messages: ConsumerMessages | undefined;
  #wake: (() => void) | undefined;
  #running = false;
  #loop: Promise<void> | undefined;
  #health: ProjectorHealth = { writing: true };
  #lastWorkingAt = 0;

  constructor(options: ProjectorOptions) {
    this.#options = options;
    this.#log = options.log.child({ component: 'projector', consumer: options.consumerName });
  }

  get health(): ProjectorHealth {
    return this.#health;
  }

  /** Starts consuming; returns once the consumer is bound. */
  async start(): Promise<void> {
    const js = jetstream(this.#options.connection);
    const consumer = await js.consumers.get(EVENTS_STREAM.name, this.#options.consumerName);
    const batchSize = this.#options.batchSize ?? DEFAULT_PROJECTOR_BATCH_SIZE;
    this.#messages = await consumer.consume({ max_messages: batchSize * 2 });
    this.#running = true;
    void this.#receive(this.#messages);
    this.#loop = this.#applyLoop(batchSize);
    this.#log.info({ batchSize }, 'projector started');
  }

  /** Stops taking messages and waits for the transaction in progress. */
  async stop(): Promise<void> {
    if (!this.#running) return;
    this.#running = false;
    await this.#messages?.close();
    this.#wake?.();
    await this.#loop;
    for (const message of this.#buffer.splice(0)) message.nak();
    this.#log.info('projector stopped');
  }

  async #receive(messages: ConsumerMessages): Promise<void> {
    try {
      for await (const message of messages) {
        this.#buffer.push(message);
        this.#wake?.();
      }
    } catch (error) {
      this.#log.error({ err: error }, 'event consumer failed');
    }
  }

  async #applyLoop(batchSize: number): Promise<void> {
    let retryDelayMs = MIN_RETRY_DELAY_MS;
    while (this.#running) {
      if (this.#buffer.length === 0) {
        await new Promise<void>((resolve) => (this.#wake = resolve));
        this.#wake = undefined;
        continue;
      }
      const messages = this.#buffer.splice(0, batchSize);
      const settled = new Set<JsMsg>();
      const applied = await this.#applyMessages(messages, settled);
      if (applied) {
        retryDelayMs = MIN_RETRY_DELAY_MS;
        continue;
      }
      // Retry the same messages before anything that arrived after them. Handing them back
      // with a delayed NAK would let newer events commit first, and readers could see, for
      // example, a completed batch whose items are still pending. Messages already acknowledged
      // or terminated while the batch was split are not retried.
      this.#buffer.unshift(...messages.filter((message) => !settled.has(message)));
      this.#extendAckDeadlines();
      await new Promise((resolve) => setTimeout(resolve, retryDelayMs));
      retryDelayMs = Math.min(retryDelayMs * 2, MAX_RETRY_DELAY_MS);
    }
  }

  /**
   * Tells JetStream that the buffered messages are still being worked on, at most every
   * {@link WORKING_INTERVAL_MS}, so that it does not deliver them again while Postgres is down.
   */
  #extendAckDeadlines(): void {
    const now = Date.now();
    if (now - this.#lastWorkingAt < WORKING_INTERVAL_MS) return;
    this.#lastWorkingAt = now;
    for (const message of this.#buffer) message.working();
  }

  /**
   * Applies and acknowledges the messages; returns false when they must be tried again later.
   * When Postgres rejects the batch for a reason other than a lost connection or a lock
   * conflict, one event's data cannot be stored (a NUL character in a text, for example). The
   * batch is then split in halves until that event is alone, so only it is skipped and logged,
   * at the cost of a few transactions per bad event.
   */
  async #applyMessages(messages: JsMsg[], settled: Set<JsMsg>): Promise<boolean> {
    const { events, valid } = this.#parse(messages, settled);
    return this.#applyOrSplit(events, valid, settled);
  }

  async #applyOrSplit(
    events: StreamEvent[],
    messages: JsMsg[],
    settled: Set<JsMsg>,
  ): Promise<boolean> {
    if (events.length === 0) return true;
    try {
      await this.#applyAndAck(events, messages);
      for (const message of messages) settled.add(message);
      return true;
    } catch (error) {
      if (isTransientDatabaseError(error)) return this.#markFailed(error);
      if (events.length === 1) {
        const [{ seq, event }] = events as [StreamEvent];
        this.#log.error(
          { err: error, seq, type: event.type, batchId: event.batchId },
          'event cannot be stored in the read model, skipping it',
        );
        messages[0]?.term();
        if (messages[0]) settled.add(messages[0]);
        return true;
      }
    }
    const half = Math.ceil(events.length / 2);
    const head = await this.#applyOrSplit(events.slice(0, half), messages.slice(0, half), settled);
    if (!head) return false;
    return this.#applyOrSplit(events.slice(half), messages.slice(half), settled);
  }

  async #applyAndAck(events: StreamEvent[], messages: JsMsg[]): Promise<void> {
    const startedAt = performance.now();
    const result = await applyEvents(this.#options.db, events);
    const durationMs = performance.now() - startedAt;
    for (const message of messages) message.ack();
    if (!this.#health.writing) this.#log.info('projector writes again');
    this.#health = { writing: true };
    this.#options.onApplied?.(result.applied, durationMs);
    this.#log.debug({ applied: result.applied, maxSeq: result.maxSeq }, 'events projected');
  }

  #markFailed(error: unknown): false {
    if (this.#health.writing) this.#log.error({ err: error }, 'projection failed, will retry');
    this.#health = { writing: false, lastError: (error as Error).message };
    return false;
  }

  /** Parses every message; terminates the ones that are no valid event, so they never return. */
  #parse(messages: JsMsg[], settled: Set<JsMsg>): { events: StreamEvent[]; valid: JsMsg[] } {
    const events: StreamEvent[] = [];
    const valid: JsMsg[] = [];
    for (const message of messages) {
      try {
        events.push({ seq: message.seq, event: parseEvent(message.json()) });
        valid.push(message);
      } catch (error) {
        this.#log.error(
          { err: error, seq: message.seq, subject: message.subject },
          'event is invalid, skipping it',
        );
        message.term();
        settled.add(message);
      }
    }
    return { events, valid };
  }
}
