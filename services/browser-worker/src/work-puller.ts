import type { Consumer, ConsumerMessages, JsMsg } from '@nats-io/jetstream';
import type { Logger } from 'pino';

/** Time one pull request waits for messages before the slots it reserved are freed. */
const PULL_EXPIRES_MS = 5_000;
/** Pause after a failed pull request, such as while NATS reconnects. */
const PULL_RETRY_DELAY_MS = 1_000;

/** Handles one work message in a slot, by the slot's number. */
export type SlotHandler = (slot: number, msg: JsMsg) => Promise<void>;

/** One open pull request and the idle slots it was made for. */
interface OpenPull {
  messages?: ConsumerMessages;
  slots: number[];
}

/**
 * Pulls work for a number of slots and never requests more messages than it has idle slots, so
 * that no message waits in the worker while its `ack_wait` runs. Idle slots are gathered into
 * one pull request: slots that finish together cost one request instead of one each, and the
 * request stays open, handing each message to a slot as it arrives. `stop()`
 * ends the waiting requests at once and waits for the messages in hand.
 */
export class WorkPuller {
  private stopping = false;
  private readonly idle: number[];
  /** Open pull requests, each with the promise that settles when it has ended. */
  private readonly pulls = new Map<OpenPull, Promise<void>>();
  private readonly handling = new Set<Promise<void>>();
  private refillScheduled = false;
  private retryTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly consumer: Consumer,
    slotCount: number,
    private readonly handle: SlotHandler,
    private readonly log: Logger,
  ) {
    this.idle = Array.from({ length: slotCount }, (_, slot) => slot);
  }

  start(): void {
    this.scheduleRefill();
  }

  /** Stops pulling; resolves once every message in hand has been handled. */
  async stop(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.retryTimer);
    for (const pull of this.pulls.keys()) pull.messages?.stop();
    // A pull request that ends can still hand out the messages it received, so wait again
    // until nothing is left.
    while (this.pulls.size > 0 || this.handling.size > 0) {
      await Promise.all([...this.pulls.values(), ...this.handling]);
    }
  }

  /** Requests work for the idle slots once the current turn of the event loop is over. */
  private scheduleRefill(): void {
    if (this.refillScheduled || this.stopping) return;
    this.refillScheduled = true;
    setImmediate(() => {
      this.refillScheduled = false;
      if (this.stopping || this.idle.length === 0) return;
      const pull: OpenPull = { slots: this.idle.splice(0) };
      this.pulls.set(pull, this.pull(pull));
    });
  }

  private async pull(pull: OpenPull): Promise<void> {
    const requested = pull.slots.length;
    let failed = false;
    try {
      pull.messages = await this.consumer.fetch({
        max_messages: requested,
        expires: PULL_EXPIRES_MS,
      });
      // stop() may have run while the pull request was being made.
      if (this.stopping) pull.messages.stop();
      for await (const msg of pull.messages) {
        const slot = pull.slots.pop();
        if (slot === undefined) {
          // JetStream sends at most the number requested, so this is a safeguard: hand it back.
          this.log.warn({ seq: msg.seq, requested }, 'pull request delivered a surplus message');
          msg.nak();
          continue;
        }
        this.run(slot, msg);
      }
    } catch (error) {
      failed = !this.stopping;
      if (failed) this.log.warn({ err: error, slots: requested }, 'pulling work failed; retrying');
    } finally {
      this.pulls.delete(pull);
      this.idle.push(...pull.slots);
    }
    if (!failed) {
      this.scheduleRefill();
      return;
    }
    this.retryTimer = setTimeout(() => this.scheduleRefill(), PULL_RETRY_DELAY_MS);
  }

  private run(slot: number, msg: JsMsg): void {
    const handled = this.handle(slot, msg)
      .catch((error: unknown) => {
        this.log.error({ err: error, seq: msg.seq, slot }, 'work message handling failed');
      })
      .finally(() => {
        this.handling.delete(handled);
        this.idle.push(slot);
        this.scheduleRefill();
      });
    this.handling.add(handled);
  }
}
