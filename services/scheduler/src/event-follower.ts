import type { ConsumerMessages, JetStreamClient, JetStreamManager } from '@nats-io/jetstream';
import { EVENTS_STREAM, parseEvent } from '@orderflow/contracts';
import { decodeJson, type Logger } from '@orderflow/service-kit';
import { applyEvent } from './reducer';
import type { SchedulerState } from './state';

/** Callbacks of {@link EventFollower}. */
export interface FollowerListeners {
  /** Called after each applied event. */
  onApplied: () => void;
  /** Called once when following ends without {@link EventFollower.stop}. */
  onFailed: (error: unknown) => void;
}

/**
 * Milliseconds each pull request of the ordered consumer stays open. The client's default of
 * 30 s also sets the heartbeat interval, so after a NATS server restart the follower noticed its
 * lost consumer only after about 40 s (nats-server 2.9.10). With 5 s it recovers in seconds, at
 * the cost of one pull request per 5 s while idle.
 */
export const FOLLOW_PULL_EXPIRES_MS = 5_000;

interface Waiter {
  isDone: () => boolean;
  resolve: (done: boolean) => void;
}

/**
 * Replays ORDERFLOW_EVENTS from the first message through an ordered consumer and keeps
 * following it, applying every event to the state in stream order.
 */
export class EventFollower {
  private messages?: ConsumerMessages;
  private waiters = new Set<Waiter>();
  private invalidCount = 0;
  private stopped = false;

  constructor(
    private readonly js: JetStreamClient,
    private readonly jsm: JetStreamManager,
    private readonly state: SchedulerState,
    private readonly log: Logger,
    private readonly listeners: FollowerListeners,
  ) {}

  /** Starts the replay; returns once the consumer exists, not when the replay is done. */
  async start(): Promise<void> {
    const consumer = await this.js.consumers.get(EVENTS_STREAM.name);
    this.messages = await consumer.consume({ expires: FOLLOW_PULL_EXPIRES_MS });
    void this.follow(this.messages);
  }

  /** Stops following; the state keeps what was applied. */
  stop(): void {
    this.stopped = true;
    this.messages?.stop();
    for (const waiter of this.waiters) waiter.resolve(false);
    this.waiters.clear();
  }

  /** Waits until every event stored before this call has been applied. */
  async catchUp(timeoutMs: number): Promise<boolean> {
    const info = await this.jsm.streams.info(EVENTS_STREAM.name);
    return this.waitForSeq(info.state.last_seq, timeoutMs);
  }

  /** Waits until the event at stream sequence `seq` has been applied; false on timeout. */
  waitForSeq(seq: number, timeoutMs: number): Promise<boolean> {
    return this.waitFor(() => this.state.lastSeq >= seq, timeoutMs);
  }

  /** Waits until `isDone` returns true after an applied event; false on timeout. */
  waitFor(isDone: () => boolean, timeoutMs: number): Promise<boolean> {
    if (isDone()) return Promise.resolve(true);
    return new Promise((resolve) => {
      const waiter: Waiter = {
        isDone,
        resolve: (done) => {
          clearTimeout(timer);
          this.waiters.delete(waiter);
          resolve(done);
        },
      };
      const timer = setTimeout(() => waiter.resolve(false), timeoutMs);
      this.waiters.add(waiter);
    });
  }

  private async follow(messages: ConsumerMessages): Promise<void> {
    let failure: unknown = new Error('the ordered consumer of the event stream ended');
    try {
      for await (const message of messages) {
        this.apply(message.seq, message.data);
      }
    } catch (error) {
      failure = error;
    }
    if (!this.stopped) this.listeners.onFailed(failure);
  }

  private apply(seq: number, data: Uint8Array): void {
    try {
      applyEvent(this.state, parseEvent(decodeJson(data)), seq);
    } catch (error) {
      // An event that does not parse is skipped, so one bad publisher cannot stop the scheduler.
      this.state.lastSeq = seq;
      this.invalidCount += 1;
      if (this.invalidCount <= 10 || this.invalidCount % 1_000 === 0) {
        this.log.warn(
          { err: error, seq, invalidCount: this.invalidCount },
          'invalid event skipped',
        );
      }
    }
    for (const waiter of this.waiters) {
      if (waiter.isDone()) waiter.resolve(true);
    }
    this.listeners.onApplied();
  }
}
