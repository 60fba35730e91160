import type { Consumer, ConsumerMessages, JsMsg } from '@nats-io/jetstream';
import {
  IMPORTER_CONSUMER,
  type ImportBatchCommand,
  importBatchCommandSchema,
} from '@orderflow/contracts';
import { decodeJson } from '@orderflow/service-kit';
import type { Logger } from 'pino';
import { ImportRejection } from './import-rejection';
import type { ImporterMetrics } from './metrics';
import { EventPublisher } from './publish-batch';
import { type ImportDeps, type ImportOutcome, publishRejection, runImport } from './run-import';

/** Milliseconds one pull request waits for a command; also bounds how long stop() waits for it. */
const FETCH_EXPIRES_MS = 5_000;

/** Milliseconds between `working()` signals, a quarter of the consumer's `ack_wait`. */
const WORKING_INTERVAL_MS = IMPORTER_CONSUMER.ack_wait / 1_000_000 / 4;

/** Milliseconds before a failed import is delivered again, by delivery count (last one repeats). */
const RETRY_DELAYS_MS = [1_000, 5_000, 15_000, 30_000];

/** Milliseconds to wait after a failed pull request before the next one. */
const PULL_ERROR_DELAY_MS = 1_000;

/** Failed pulls in a row per logged error, one a minute at PULL_ERROR_DELAY_MS. */
const PULL_FAILURES_PER_LOG = 60;

/** A running pull loop. */
export interface ImportConsumer {
  /** Stops pulling, lets the current import finish, and resolves when the loop has ended. */
  stop(): Promise<void>;
  /** Whether an import is running now. */
  readonly busy: boolean;
}

/** Dependencies of the pull loop. */
export interface ImportConsumerDeps extends ImportDeps {
  consumer: Consumer;
  metrics: ImporterMetrics;
}

/**
 * Pulls import commands one at a time, so that a replica keeps one file in memory at most and
 * a buffered command does not wait out its `ack_wait`. A command is acknowledged only after its
 * final event is stored; a malformed one is terminated at once.
 */
export function startImportConsumer(deps: ImportConsumerDeps): ImportConsumer {
  const log = deps.log.child({ component: 'import-consumer' });
  let stopping = false;
  let failedPulls = 0;
  let busy = false;
  let fetch: ConsumerMessages | undefined;
  let wakeUp: (() => void) | undefined;

  const loop = async () => {
    while (!stopping) {
      try {
        fetch = await deps.consumer.fetch({ max_messages: 1, expires: FETCH_EXPIRES_MS });
        failedPulls = 0;
        // stop() may have run while the pull request was being made.
        if (stopping) fetch.stop();
        for await (const message of fetch) {
          busy = true;
          await handleMessage(message, { ...deps, log });
          busy = false;
        }
      } catch (error) {
        busy = false;
        if (stopping) break;
        failedPulls += 1;
        // While NATS is down every pull fails; log the first failure and then one a minute.
        if (failedPulls % PULL_FAILURES_PER_LOG === 1) {
          log.error({ err: error, failedPulls }, 'pulling import commands failed');
        }
        await new Promise<void>((resolve) => {
          wakeUp = resolve;
          setTimeout(resolve, PULL_ERROR_DELAY_MS);
        });
      }
    }
  };
  const running = loop();
  log.info({ consumer: IMPORTER_CONSUMER.durable_name }, 'import consumer started');

  return {
    get busy() {
      return busy;
    },
    async stop() {
      stopping = true;
      // Ends the pending pull request; a message already delivered is still handled.
      fetch?.stop();
      wakeUp?.();
      await running;
      log.info('import consumer stopped');
    },
  };
}

async function handleMessage(message: JsMsg, deps: ImportConsumerDeps): Promise<void> {
  const command = parseCommand(message, deps.log);
  if (!command) {
    deps.metrics.commands.inc({ outcome: 'malformed' });
    // Without a reason: nats-server 2.9 ignores a TERM that carries one.
    message.term();
    return;
  }

  const log = deps.log.child({ batchId: command.batchId, commandId: command.commandId });
  const deliveryCount = message.info.deliveryCount;
  const started = performance.now();
  const heartbeat = setInterval(() => signalWorking(message, log), WORKING_INTERVAL_MS);
  log.info({ source: command.source.kind, deliveryCount }, 'import started');
  try {
    const outcome = await runImport(command, { ...deps, log });
    message.ack();
    record(deps.metrics, outcome, started);
    logOutcome(log, outcome, started);
  } catch (error) {
    await handleFailure(message, command, error, { ...deps, log });
  } finally {
    clearInterval(heartbeat);
  }
}

/** Extends the command's `ack_wait`; a failure only means the command may be delivered again. */
function signalWorking(message: JsMsg, log: Logger): void {
  try {
    message.working();
  } catch (error) {
    log.warn({ err: error }, 'signalling progress of the import failed');
  }
}

function parseCommand(message: JsMsg, log: Logger): ImportBatchCommand | undefined {
  try {
    return importBatchCommandSchema.parse(decodeJson(message.data));
  } catch (error) {
    log.error(
      { err: error, subject: message.subject, seq: message.seq },
      'import command is malformed, terminating it',
    );
    return undefined;
  }
}

function record(metrics: ImporterMetrics, outcome: ImportOutcome, started: number): void {
  metrics.commands.inc({ outcome: outcome.status });
  metrics.durationSeconds.observe(
    { outcome: outcome.status },
    (performance.now() - started) / 1_000,
  );
  if (outcome.status === 'created') metrics.items.inc(outcome.itemCount);
}

function logOutcome(log: Logger, outcome: ImportOutcome, started: number): void {
  const durationMs = Math.round(performance.now() - started);
  if (outcome.status === 'created') {
    log.info({ ...outcome, durationMs }, 'batch created');
  } else {
    log.info({ code: outcome.code, errorCount: outcome.errorCount, durationMs }, 'import rejected');
  }
}

/**
 * Retries a failed import with a delay, or on the last delivery publishes an INTERNAL rejection
 * and terminates the command, so that the batch is not left unknown and the command does not
 * stay in the work-queue stream.
 */
async function handleFailure(
  message: JsMsg,
  command: ImportBatchCommand,
  error: unknown,
  deps: ImportConsumerDeps,
): Promise<void> {
  const deliveryCount = message.info.deliveryCount;
  if (deliveryCount < IMPORTER_CONSUMER.max_deliver) {
    const delayMs = RETRY_DELAYS_MS[Math.min(deliveryCount, RETRY_DELAYS_MS.length) - 1] ?? 1_000;
    deps.log.warn({ err: error, deliveryCount, delayMs }, 'import failed, retrying');
    deps.metrics.commands.inc({ outcome: 'retried' });
    message.nak(delayMs);
    return;
  }

  deps.log.error({ err: error, deliveryCount }, 'import failed on its last delivery, rejecting it');
  deps.metrics.commands.inc({ outcome: 'failed' });
  const rejection = new ImportRejection(
    'INTERNAL',
    `The import failed ${deliveryCount} times because of a server problem; send it again later`,
  );
  try {
    const context = { batchId: command.batchId, commandId: command.commandId };
    await publishRejection(command, context, rejection, new EventPublisher(deps.js, 1));
  } catch (publishError) {
    deps.log.error({ err: publishError }, 'publishing the import rejection failed');
  }
  message.term();
}
