import type { JsMsg } from '@nats-io/jetstream';
import { type BatchCommand, batchCommandSchema } from '@orderflow/contracts';
import { decodeJson, type Logger } from '@orderflow/service-kit';
import { decideCommand, rejectUnknownBatch } from './commands';
import type { DecisionExecutor } from './decision-executor';
import type { EventFollower } from './event-follower';
import type { SerialQueue } from './serial-queue';
import type { SchedulerState } from './state';

/** Milliseconds to wait for a command's response events to come back through the stream. */
const ANSWER_APPLIED_TIMEOUT_MS = 10_000;

/** Maximum delay in milliseconds before a command for an unknown batch is delivered again. */
const UNKNOWN_BATCH_RETRY_MS = 5_000;

/** Dependencies and settings of {@link CommandHandler}. */
export interface CommandHandlerOptions {
  state: SchedulerState;
  executor: DecisionExecutor;
  follower: EventFollower;
  queue: SerialQueue;
  log: Logger;
  mayDecide: () => boolean;
  /** Per-batch limit recorded in `batch.started` when the batch has no override. */
  defaultMaxConcurrency: number;
  /** How long a command waits for its batch to appear in the event stream. */
  batchWaitMs: number;
  /** Command age after which a command for a batch never seen is rejected NOT_FOUND. */
  notFoundAfterMs: number;
  /** Called after a command changed the state, so that a decision round follows. */
  onAnswered: () => void;
}

/**
 * Handles one command message: publishes the transition or rejection events with the command
 * id as `causationId`, waits until they are back in the state, then acknowledges the message.
 */
export class CommandHandler {
  constructor(private readonly options: CommandHandlerOptions) {}

  /** Handles one message from the scheduler's command consumer. */
  async handle(message: JsMsg): Promise<void> {
    const command = this.parse(message);
    if (!command) return;
    const { state, follower, batchWaitMs } = this.options;
    await follower.waitFor(() => isKnown(state, command.batchId), batchWaitMs);
    await this.options.queue.run(() => this.answer(message, command));
  }

  private parse(message: JsMsg): BatchCommand | undefined {
    try {
      return batchCommandSchema.parse(decodeJson(message.data));
    } catch (error) {
      this.options.log.error(
        { err: error, subject: message.subject, seq: message.seq },
        'invalid command dropped',
      );
      message.term();
      return undefined;
    }
  }

  private async answer(message: JsMsg, command: BatchCommand): Promise<void> {
    const { state, executor, follower, log } = this.options;
    if (!this.options.mayDecide()) {
      message.nak(UNKNOWN_BATCH_RETRY_MS);
      return;
    }

    const nowMs = Date.now();
    let result = decideCommand(state, command, nowMs, this.options.defaultMaxConcurrency);
    if (result.kind === 'unknown_batch') {
      const ageMs = nowMs - Date.parse(command.issuedAt);
      if (ageMs < this.options.notFoundAfterMs) {
        log.info({ batchId: command.batchId, commandId: command.commandId }, 'batch not seen yet');
        message.nak(Math.min(UNKNOWN_BATCH_RETRY_MS, this.options.notFoundAfterMs - ageMs));
        return;
      }
      result = rejectUnknownBatch(command, nowMs);
    }
    if (result.kind === 'answer') {
      const published = await executor.publishEvents(result.events);
      await follower.waitForSeq(published.maxSeq, ANSWER_APPLIED_TIMEOUT_MS);
      const answer = result.events[0]?.type;
      log.info(
        { batchId: command.batchId, commandId: command.commandId, answer },
        'command answered',
      );
      this.options.onAnswered();
    }
    message.ack();
  }
}

function isKnown(state: SchedulerState, batchId: string): boolean {
  const batch = state.batches.get(batchId);
  return batch !== undefined && (batch.created || batch.rejected);
}
