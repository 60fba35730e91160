import type { JetStreamClient, JsMsg } from '@nats-io/jetstream';
import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import {
  CONSUMERS,
  createEvent,
  type ErrorCode,
  type OrderflowEvent,
  subjects,
  WORK_STREAM,
  type WorkMessage,
  workMessageSchema,
} from '@orderflow/contracts';
import { decodeJson, encodeJson } from '@orderflow/service-kit';

/** What a fake worker does with one attempt. */
export type FakeOutcome =
  | { kind: 'succeed'; delayMs?: number }
  | { kind: 'fail'; code: ErrorCode; retryable: boolean; delayMs?: number }
  /** Publishes `attempt_started` and then nothing, holding the message like a hung browser. */
  | { kind: 'hang'; thenSucceedAfterMs?: number }
  /** Publishes `attempt_started` (and `effect_started`) and hands the message back unreported. */
  | { kind: 'crash'; afterEffect: boolean }
  /** Hands every delivery back at once without any event, as a worker that dies on pull. */
  | { kind: 'drop' };

/** Options of {@link startFakeWorkers}. */
export interface FakeWorkerOptions {
  /** Attempts run at once across the pool. */
  concurrency: number;
  decide: (work: WorkMessage) => FakeOutcome;
}

/** A pool of fake browser workers and what they saw. */
export interface FakeWorkers {
  /** Every work message received, in order, including redeliveries. */
  received: Array<WorkMessage & { deliveryCount: number }>;
  stop(): Promise<void>;
}

/**
 * Starts fake browser workers on the real work consumer. Like real workers they publish
 * `item.attempt_started`, run, publish the outcome and only then acknowledge. They report
 * WORKER_LOST for a redelivered message and stop an attempt when its batch is cancelled.
 */
export async function startFakeWorkers(
  connection: NatsConnection,
  js: JetStreamClient,
  options: FakeWorkerOptions,
): Promise<FakeWorkers> {
  const consumer = await js.consumers.get(WORK_STREAM.name, CONSUMERS.browserWorkers);
  const cancelled = new Set<string>();
  const cancelSubscription: Subscription = connection.subscribe(
    subjects.eventsOfType('batch.cancel_requested'),
    {
      callback: (_error, message) => {
        cancelled.add((decodeJson(message.data) as OrderflowEvent).batchId);
      },
    },
  );
  const received: FakeWorkers['received'] = [];
  let running = true;

  const publish = async (event: OrderflowEvent) => {
    await js.publish(subjects.event(event.batchId, event.type), encodeJson(event), {
      msgID: event.id,
    });
  };

  const runOne = async (message: JsMsg) => {
    const work = workMessageSchema.parse(decodeJson(message.data));
    const deliveryCount = message.info.deliveryCount;
    received.push({ ...work, deliveryCount });
    const outcome = options.decide(work);
    if (outcome.kind === 'drop') {
      message.nak();
      return;
    }
    const scope = {
      source: 'browser-worker' as const,
      batchId: work.batchId,
      itemId: work.itemId,
      attempt: work.attempt,
    };
    if (deliveryCount > 1) {
      await publish(
        createEvent('item.attempt_failed', scope, {
          attempt: work.attempt,
          code: 'WORKER_LOST',
          message: 'work message delivered again after a worker stopped',
          retryable: true,
        }),
      );
      message.ack();
      return;
    }

    await publish(
      createEvent('item.attempt_started', scope, {
        attempt: work.attempt,
        workerId: 'fake',
        recipe: 'fake',
      }),
    );
    if (outcome.kind === 'crash') {
      if (outcome.afterEffect) {
        await publish(
          createEvent('item.effect_started', scope, { attempt: work.attempt, step: 'pay' }),
        );
      }
      message.nak();
      return;
    }
    if (outcome.kind === 'hang') {
      if (outcome.thenSucceedAfterMs === undefined) return;
      await sleep(outcome.thenSucceedAfterMs);
      await publish(succeeded(scope, work));
      message.ack();
      return;
    }

    const stopped = await sleepUnlessCancelled(outcome.delayMs ?? 0, () =>
      cancelled.has(work.batchId),
    );
    if (stopped) {
      await publish(
        createEvent('item.attempt_failed', scope, {
          attempt: work.attempt,
          code: 'ATTEMPT_CANCELLED',
          message: 'batch cancelled during the attempt',
          retryable: false,
        }),
      );
    } else if (outcome.kind === 'succeed') {
      await publish(succeeded(scope, work));
    } else {
      await publish(
        createEvent('item.attempt_failed', scope, {
          attempt: work.attempt,
          code: outcome.code,
          message: `fake failure ${outcome.code}`,
          retryable: outcome.retryable,
        }),
      );
    }
    message.ack();
  };

  const loop = async () => {
    while (running) {
      const message = await consumer.next({ expires: 1_000 }).catch(() => null);
      if (!message) continue;
      if (!running) {
        message.nak();
        break;
      }
      await runOne(message).catch(() => message.nak());
    }
  };
  const loops = Array.from({ length: options.concurrency }, () => loop());

  return {
    received,
    async stop() {
      running = false;
      await Promise.all(loops);
      cancelSubscription.unsubscribe();
    },
  };
}

function succeeded(
  scope: { source: 'browser-worker'; batchId: string; itemId: string; attempt: number },
  work: WorkMessage,
) {
  return createEvent('item.attempt_succeeded', scope, {
    attempt: work.attempt,
    orderNumber: `ORD-${work.itemId.slice(0, 8)}-${work.attempt}`,
    finalOrderUrl: `${work.orderUrl}/done`,
    timings: { totalMs: 1 },
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function sleepUnlessCancelled(ms: number, isCancelled: () => boolean): Promise<boolean> {
  const endAt = Date.now() + ms;
  while (Date.now() < endAt) {
    if (isCancelled()) return true;
    await sleep(Math.min(10, endAt - Date.now()));
  }
  return isCancelled();
}
