import type { Consumer, ConsumerMessages, JsMsg } from '@nats-io/jetstream';
import type { Logger } from 'pino';

/** Time one pull request waits for a message before the loop sends the next one. */
const PULL_EXPIRES_MS = 5_000;
/** Pause after a failed pull request, such as while NATS reconnects. */
const PULL_RETRY_DELAY_MS = 1_000;

/**
 * One slot's pull loop: fetches one message at a time with `fetch({ max_messages: 1 })` and
 * handles it to the end before asking for the next. `stop()` ends a waiting pull request at
 * once, so shutdown does not wait for the pull to expire.
 */
export class PullLoop {
  private stopping = false;
  private pending: ConsumerMessages | undefined;
  private done: Promise<void> | undefined;

  constructor(
    private readonly consumer: Consumer,
    private readonly handle: (msg: JsMsg) => Promise<void>,
    private readonly log: Logger,
  ) {}

  start(): void {
    this.done ??= this.loop();
  }

  /** Stops pulling; resolves once the message in hand, if any, has been handled. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.pending?.stop();
    await this.done;
  }

  private async loop(): Promise<void> {
    while (!this.stopping) {
      const msg = await this.pull();
      if (!msg) continue;
      try {
        await this.handle(msg);
      } catch (error) {
        this.log.error({ err: error, seq: msg.seq }, 'work message handling failed');
      }
    }
  }

  private async pull(): Promise<JsMsg | undefined> {
    try {
      this.pending = await this.consumer.fetch({ max_messages: 1, expires: PULL_EXPIRES_MS });
      if (this.stopping) this.pending.stop();
      for await (const msg of this.pending) return msg;
      return undefined;
    } catch (error) {
      if (this.stopping) return undefined;
      this.log.warn({ err: error }, 'pulling work failed; retrying');
      await new Promise((resolve) => setTimeout(resolve, PULL_RETRY_DELAY_MS));
      return undefined;
    } finally {
      this.pending = undefined;
    }
  }
}
