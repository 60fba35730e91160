import type { Logger } from '@orderflow/service-kit';
import { decide } from './decider';
import type { DeciderSettings } from './decision';
import type { DecisionExecutor } from './decision-executor';
import type { EventFollower } from './event-follower';
import type { SerialQueue } from './serial-queue';
import type { SchedulerState } from './state';

/** Milliseconds to wait for our own events to come back through the stream. */
const OWN_EVENTS_TIMEOUT_MS = 10_000;

/** Milliseconds before a round runs again after a publish failed. */
const FAILURE_RETRY_MS = 1_000;

/** Dependencies of {@link DecisionLoop}. */
export interface DecisionLoopOptions {
  state: SchedulerState;
  settings: DeciderSettings;
  executor: DecisionExecutor;
  follower: EventFollower;
  queue: SerialQueue;
  log: Logger;
  /** Tells whether this replica may publish decisions right now. */
  mayDecide: () => boolean;
}

/**
 * Runs decision rounds while this replica is active: decide on the current state, publish the
 * decisions, then wait until they are back in the state before deciding again. A round runs
 * after every applied event and when the earliest retry or timeout falls due.
 */
export class DecisionLoop {
  private active = false;
  private running = false;
  private dirty = false;
  private timer?: NodeJS.Timeout;
  private timerAtMs = Number.POSITIVE_INFINITY;

  constructor(private readonly options: DecisionLoopOptions) {}

  /** Starts running rounds. */
  activate(): void {
    this.active = true;
    this.kick();
  }

  /** Stops running rounds; a round in progress finishes. */
  deactivate(): void {
    this.active = false;
    this.clearTimer();
  }

  /** Asks for a round as soon as the current one, if any, has ended. */
  kick(): void {
    if (!this.active) return;
    this.dirty = true;
    if (!this.running) void this.runRounds();
  }

  private async runRounds(): Promise<void> {
    this.running = true;
    try {
      while (this.dirty && this.active) {
        this.dirty = false;
        await this.options.queue.run(() => this.round());
      }
    } finally {
      this.running = false;
    }
  }

  private async round(): Promise<void> {
    const { state, settings, executor, follower, log } = this.options;
    if (!this.active || !this.options.mayDecide()) return;

    const { decisions, nextWakeAtMs } = decide(state, Date.now(), settings);
    if (nextWakeAtMs !== undefined) this.wakeAt(nextWakeAtMs);
    if (decisions.length === 0) return;

    try {
      const result = await executor.executeAll(decisions);
      const applied = await follower.waitForSeq(result.maxSeq, OWN_EVENTS_TIMEOUT_MS);
      if (!applied) log.warn({ seq: result.maxSeq }, 'own events not back in time');
      if (result.storedCount === 0) {
        // Every decision was already in the stream, yet the state did not reflect it: wait
        // instead of repeating the same decisions in a tight loop.
        log.warn({ decisionCount: decisions.length }, 'decisions repeated without effect');
        this.wakeAt(Date.now() + FAILURE_RETRY_MS);
      }
    } catch (error) {
      log.error({ err: error, decisionCount: decisions.length }, 'publishing decisions failed');
      this.wakeAt(Date.now() + FAILURE_RETRY_MS);
    }
    executor.retainWork(state.inFlight);
  }

  private wakeAt(atMs: number): void {
    if (this.timer && this.timerAtMs <= atMs) return;
    this.clearTimer();
    this.timerAtMs = atMs;
    this.timer = setTimeout(
      () => {
        this.timer = undefined;
        this.timerAtMs = Number.POSITIVE_INFINITY;
        this.kick();
      },
      Math.max(0, atMs - Date.now()),
    );
  }

  private clearTimer(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.timerAtMs = Number.POSITIVE_INFINITY;
  }
}
