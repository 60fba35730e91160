import type { JetStreamClient, JetStreamManager } from '@nats-io/jetstream';
import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import {
  CONSUMERS,
  createEvent,
  deriveId,
  subjects,
  WORK_STREAM,
  workMessageSchema,
} from '@orderflow/contracts';
import { decodeJson, encodeJson, type Logger } from '@orderflow/service-kit';
import { z } from 'zod';

const advisorySchema = z.object({
  stream_seq: z.number().int().positive(),
  deliveries: z.number(),
});

/**
 * Owns work messages that reach the work consumer's `max_deliver`: JetStream stops delivering
 * them but keeps them in the work queue. For each advisory the active replica records the
 * attempt as failed (DELIVERY_LIMIT_REACHED, not retryable) and deletes the message.
 */
export class DeliveryLimitWatcher {
  private subscription?: Subscription;

  constructor(
    private readonly connection: NatsConnection,
    private readonly js: JetStreamClient,
    private readonly jsm: JetStreamManager,
    private readonly log: Logger,
    private readonly isActive: () => boolean,
  ) {}

  /**
   * Subscribes to the advisories.
   * NOTE: advisories are core NATS messages, so one sent while no replica is active is lost and
   * its work message stays in the work stream.
   */
  start(): void {
    const subject = subjects.workMaxDeliveriesAdvisory(WORK_STREAM.name, CONSUMERS.browserWorkers);
    this.subscription = this.connection.subscribe(subject, {
      callback: (error, message) => {
        if (error || !this.isActive()) return;
        void this.handle(message.data).catch((handleError: unknown) => {
          this.log.error({ err: handleError }, 'handling a delivery limit advisory failed');
        });
      },
    });
  }

  /** Unsubscribes. */
  stop(): void {
    this.subscription?.unsubscribe();
  }

  private async handle(data: Uint8Array): Promise<void> {
    const advisory = advisorySchema.parse(decodeJson(data));
    const stored = await this.jsm.streams.getMessage(WORK_STREAM.name, {
      seq: advisory.stream_seq,
    });
    if (!stored) return;
    const work = workMessageSchema.parse(decodeJson(stored.data));

    const event = createEvent(
      'item.attempt_failed',
      {
        source: 'scheduler',
        batchId: work.batchId,
        itemId: work.itemId,
        attempt: work.attempt,
        id: deriveId(work.itemId, `delivery_limit:${work.attempt}`),
      },
      {
        attempt: work.attempt,
        code: 'DELIVERY_LIMIT_REACHED',
        message: `work message was delivered ${advisory.deliveries} times without an outcome`,
        retryable: false,
      },
    );
    await this.js.publish(subjects.event(work.batchId, event.type), encodeJson(event), {
      msgID: event.id,
    });
    await this.jsm.streams.deleteMessage(WORK_STREAM.name, advisory.stream_seq);
    this.log.warn(
      { batchId: work.batchId, itemId: work.itemId, attempt: work.attempt },
      'work message reached the delivery limit',
    );
  }
}
