import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import { parseEvent, subjects } from '@orderflow/contracts';
import { decodeJson } from '@orderflow/service-kit';
import type { Logger } from 'pino';

/** Cancelled batch ids kept in memory, oldest dropped first. */
export const MAX_REMEMBERED_CANCELLED_BATCHES = 10_000;

/** Receivers of the events that stop attempts from outside. */
export interface InterruptHandlers {
  onBatchCancelled(batchId: string): void;
  onAttemptTimedOut(itemId: string, attempt: number): void;
}

/** Batch ids of cancel requests seen by this worker, bounded in size. */
export class CancelledBatches {
  private readonly ids = new Set<string>();

  constructor(private readonly maxEntries = MAX_REMEMBERED_CANCELLED_BATCHES) {}

  add(batchId: string): void {
    this.ids.delete(batchId);
    this.ids.add(batchId);
    if (this.ids.size > this.maxEntries) {
      const oldest = this.ids.values().next().value;
      if (oldest !== undefined) this.ids.delete(oldest);
    }
  }

  has(batchId: string): boolean {
    return this.ids.has(batchId);
  }
}

async function listen(subscription: Subscription, log: Logger, handle: (event: unknown) => void) {
  for await (const message of subscription) {
    try {
      handle(parseEvent(decodeJson(message.data)));
    } catch (error) {
      log.warn({ err: error, subject: message.subject }, 'ignored an invalid event');
    }
  }
}

/**
 * Subscribes (core NATS, live only) to cancel requests and to the scheduler's attempt
 * timeouts. Returns the subscriptions so that the worker can end them on shutdown.
 */
export function watchInterrupts(
  connection: NatsConnection,
  handlers: InterruptHandlers,
  log: Logger,
): Subscription[] {
  const cancels = connection.subscribe(subjects.eventsOfType('batch.cancel_requested'));
  const timeouts = connection.subscribe(subjects.eventsOfType('item.attempt_timed_out'));
  void listen(cancels, log, (event) => {
    const { batchId } = event as { batchId: string };
    handlers.onBatchCancelled(batchId);
  });
  void listen(timeouts, log, (event) => {
    const { itemId, data } = event as { itemId?: string; data: { attempt: number } };
    if (itemId) handlers.onAttemptTimedOut(itemId, data.attempt);
  });
  return [cancels, timeouts];
}
