import type { JetStreamClient } from '@nats-io/jetstream';
import {
  type Artifacts,
  createEvent,
  deriveId,
  type ErrorCode,
  isRetryable,
  type OrderflowEvent,
  subjects,
  type WorkMessage,
  workMessageId,
} from '@orderflow/contracts';
import { encodeJson } from '@orderflow/service-kit';

/** A successful attempt as reported in `item.attempt_succeeded`. */
export interface SuccessReport {
  orderNumber: string;
  finalOrderUrl: string;
  fields: Record<string, string>;
  timings: { totalMs: number; steps: Record<string, number> };
  artifacts?: Artifacts;
}

/** A failed attempt as reported in `item.attempt_failed`. */
export interface FailureReport {
  code: ErrorCode;
  message: string;
  step?: string;
  details?: Record<string, unknown>;
  timings?: { totalMs: number; steps: Record<string, number> };
  artifacts?: Artifacts;
}

/**
 * Publishes the worker's events and waits for JetStream to store each one. Event ids are
 * derived from item and attempt, so a repeated publish is dropped as a duplicate. Both outcome
 * types share one id per attempt, so at most one outcome of an attempt is stored within the
 * stream's duplicate window.
 */
export class EventPublisher {
  constructor(
    private readonly js: JetStreamClient,
    private readonly workerId: string,
  ) {}

  /** Publishes an event; returns false when JetStream dropped it as a duplicate. */
  private async publish(event: OrderflowEvent): Promise<boolean> {
    const ack = await this.js.publish(
      subjects.event(event.batchId, event.type),
      encodeJson(event),
      {
        msgID: event.id,
      },
    );
    return !ack.duplicate;
  }

  private options(work: WorkMessage, idName: string) {
    return {
      source: 'browser-worker' as const,
      batchId: work.batchId,
      itemId: work.itemId,
      attempt: work.attempt,
      id: deriveId(work.itemId, `${idName}:${work.attempt}`),
      causationId: workMessageId(work.itemId, work.attempt),
    };
  }

  /**
   * Publishes `item.attempt_started`. Returns false when this attempt had already started,
   * which happens when a work message is published again after a NATS restart lost the work
   * stream's record of its id; the events stream keeps its ids, so the copy is caught here.
   */
  async attemptStarted(work: WorkMessage, recipe: string): Promise<boolean> {
    const options = this.options(work, 'item.attempt_started');
    return this.publish(
      createEvent('item.attempt_started', options, {
        attempt: work.attempt,
        workerId: this.workerId,
        recipe,
      }),
    );
  }

  /** Publishes `item.effect_started`; the id includes the step so each effect step is kept. */
  async effectStarted(work: WorkMessage, step: string): Promise<void> {
    const options = this.options(work, `item.effect_started:${step}`);
    await this.publish(
      createEvent('item.effect_started', options, { attempt: work.attempt, step }),
    );
  }

  async succeeded(work: WorkMessage, report: SuccessReport): Promise<void> {
    const options = this.options(work, 'item.attempt_outcome');
    await this.publish(
      createEvent('item.attempt_succeeded', options, { attempt: work.attempt, ...report }),
    );
  }

  async failed(work: WorkMessage, report: FailureReport): Promise<void> {
    const options = this.options(work, 'item.attempt_outcome');
    await this.publish(
      createEvent('item.attempt_failed', options, {
        attempt: work.attempt,
        retryable: isRetryable(report.code),
        ...report,
      }),
    );
  }
}
