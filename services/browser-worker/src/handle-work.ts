import type { JsMsg } from '@nats-io/jetstream';
import { WORK_ACK_WAIT_MS, type WorkMessage, workMessageSchema } from '@orderflow/contracts';
import { decodeJson } from '@orderflow/service-kit';
import type { Logger } from 'pino';
import { Attempt, type AttemptDeps, type AttemptOutcome } from './attempt';
import type { EventPublisher, FailureReport } from './event-publisher';
import type { Recipe } from './recipes/recipe';

/** Interval of `working()` heartbeats: a third of the work consumer's `ack_wait`. */
export const HEARTBEAT_INTERVAL_MS = Math.floor(WORK_ACK_WAIT_MS / 3);

/** Attempts in progress, by item and attempt, so that outside events can stop them. */
export type RunningAttempts = Map<string, Attempt>;

/** Key of an attempt in {@link RunningAttempts}. */
export function attemptKey(itemId: string, attempt: number): string {
  return `${itemId}:${attempt}`;
}

/** Worker state and collaborators used to handle one work message. */
export interface WorkContext {
  publisher: EventPublisher;
  attemptDeps: AttemptDeps;
  running: RunningAttempts;
  chooseRecipe(orderUrl: string): Recipe;
  isCancelled(batchId: string): boolean;
  isStopping(): boolean;
  /** Counts an outcome: `succeeded` or the error code. */
  recordOutcome(result: string): void;
  log: Logger;
}

function parseWork(msg: JsMsg): WorkMessage | undefined {
  try {
    const parsed = workMessageSchema.safeParse(decodeJson(msg.data));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/** Fails an attempt without running it: redelivered, cancelled or arriving during shutdown. */
function immediateFailure(
  work: WorkMessage,
  msg: JsMsg,
  context: WorkContext,
): FailureReport | undefined {
  if (msg.info.deliveryCount > 1) {
    return {
      code: 'WORKER_LOST',
      message: `the worker that received this attempt stopped without reporting an outcome (delivery ${msg.info.deliveryCount})`,
      details: { deliveryCount: msg.info.deliveryCount },
    };
  }
  if (context.isCancelled(work.batchId)) {
    return {
      code: 'ATTEMPT_CANCELLED',
      message: 'the batch was cancelled before the attempt started',
    };
  }
  if (context.isStopping()) {
    return { code: 'WORKER_SHUTDOWN', message: 'the worker shut down before the attempt started' };
  }
  return undefined;
}

/** Marks a work message whose attempt another delivery has already started. */
const ALREADY_STARTED = 'already started';

async function runAttempt(
  work: WorkMessage,
  msg: JsMsg,
  context: WorkContext,
): Promise<AttemptOutcome | typeof ALREADY_STARTED> {
  const recipe = context.chooseRecipe(work.orderUrl);
  const attempt = new Attempt(work, recipe, context.attemptDeps);
  const key = attemptKey(work.itemId, work.attempt);
  context.running.set(key, attempt);
  const heartbeat = setInterval(() => msg.working(), HEARTBEAT_INTERVAL_MS);
  try {
    if (!(await context.publisher.attemptStarted(work, recipe.name))) return ALREADY_STARTED;
    // A cancel that arrived while the start event was being published is honoured at once.
    if (context.isCancelled(work.batchId)) attempt.interrupt('cancelled');
    return await attempt.run();
  } finally {
    clearInterval(heartbeat);
    context.running.delete(key);
  }
}

/**
 * Handles one work message: runs the attempt (or fails it at once when it must not run),
 * publishes the outcome and waits for JetStream to store it, and only then acknowledges the
 * message. When the outcome cannot be published, the message is left unacknowledged so that
 * JetStream delivers it again and the next worker reports WORKER_LOST.
 */
export async function handleWork(msg: JsMsg, context: WorkContext): Promise<void> {
  const work = parseWork(msg);
  if (!work) {
    context.log.error({ subject: msg.subject, seq: msg.seq }, 'invalid work message terminated');
    msg.term();
    return;
  }
  const log = context.log.child({
    batchId: work.batchId,
    itemId: work.itemId,
    attempt: work.attempt,
  });
  const immediate = immediateFailure(work, msg, context);
  let outcome: AttemptOutcome;
  if (immediate) outcome = { ok: false, report: immediate };
  else {
    try {
      const result = await runAttempt(work, msg, context);
      if (result === ALREADY_STARTED) {
        // Running it again could pay twice; the delivery that started it reports its outcome.
        log.warn('attempt already started by another delivery, dropping this copy');
        await msg.ackAck().catch((error: unknown) => log.error({ err: error }, 'ack failed'));
        return;
      }
      outcome = result;
    } catch (error) {
      log.error({ err: error }, 'attempt failed unexpectedly');
      outcome = {
        ok: false,
        report: { code: 'INTERNAL', message: `the worker failed: ${(error as Error).message}` },
      };
    }
  }

  try {
    if (outcome.ok) await context.publisher.succeeded(work, outcome.report);
    else await context.publisher.failed(work, outcome.report);
    await msg.ackAck();
  } catch (error) {
    log.error(
      { err: error },
      'outcome could not be published; the message will be delivered again',
    );
    return;
  }
  const result = outcome.ok ? 'succeeded' : outcome.report.code;
  context.recordOutcome(result);
  log.debug({ result }, 'attempt finished');
}
