import {
  JetStreamApiCodes,
  JetStreamApiError,
  type JetStreamClient,
  type JetStreamManager,
  type PubAck,
} from '@nats-io/jetstream';
import {
  type OrderflowEvent,
  subjects,
  WORK_STREAM,
  type WorkMessage,
  workMessageId,
} from '@orderflow/contracts';
import { encodeJson, type Logger } from '@orderflow/service-kit';
import type { Decision } from './decision';

/**
 * JetStream API codes of a delete whose message is gone: 10037, and 10057, which nats-server
 * 2.9.10 returns when the message was already removed.
 */
const MESSAGE_GONE_CODES: readonly number[] = [JetStreamApiCodes.NoMessageFound, 10_057];

/** Decisions published at once; each awaits its own acknowledgements. */
const PUBLISH_WINDOW = 128;

/** Result of publishing a group of events. */
export interface PublishResult {
  /** Highest stream sequence among the events' acknowledgements; 0 when there were none. */
  maxSeq: number;
  /** Number of events JetStream stored; the others were duplicates of earlier publishes. */
  storedCount: number;
}

/**
 * Carries out decisions against JetStream: deletes withdrawn work messages, publishes events
 * with their derived ids, and publishes work messages after their dispatch events. Keeps the
 * stream sequence of each work message it published, so that a cancel or a timeout can delete
 * the queued message.
 */
export class DecisionExecutor {
  private readonly workSeqs = new Map<string, number>();

  constructor(
    private readonly js: JetStreamClient,
    private readonly jsm: JetStreamManager,
    private readonly log: Logger,
    /** Called for each event JetStream stored, that is, not dropped as a duplicate. */
    private readonly onStored: (event: OrderflowEvent) => void = () => {},
  ) {}

  /** Executes decisions in windows; rejects when a publish fails after JetStream's retries. */
  async executeAll(decisions: Decision[]): Promise<PublishResult> {
    const result: PublishResult = { maxSeq: 0, storedCount: 0 };
    for (let start = 0; start < decisions.length; start += PUBLISH_WINDOW) {
      const window = decisions.slice(start, start + PUBLISH_WINDOW);
      const acks = await Promise.all(window.map((decision) => this.execute(decision)));
      for (const ack of acks) addAck(result, ack);
    }
    return result;
  }

  /** Publishes events in order of the array, in windows; used for command responses. */
  async publishEvents(events: OrderflowEvent[]): Promise<PublishResult> {
    return this.executeAll(events.map((event) => ({ event })));
  }

  /** Publishes a work message again with its original id, to learn its sequence or restore it. */
  async republishWork(work: WorkMessage): Promise<PubAck> {
    return this.publishWork(work);
  }

  /** Keeps the work sequences of the given attempts only, the ones still queued or running. */
  retainWork(attempts: Iterable<{ itemId: string; attempt: number }>): void {
    const current = new Set<string>();
    for (const { itemId, attempt } of attempts) current.add(workKey(itemId, attempt));
    for (const key of this.workSeqs.keys()) {
      if (!current.has(key)) this.workSeqs.delete(key);
    }
  }

  private async execute(decision: Decision): Promise<PubAck> {
    if (decision.withdraw) await this.withdraw(decision.withdraw, decision.event.type);
    const ack = await this.publishEvent(decision.event);
    if (!ack.duplicate) this.onStored(decision.event);
    // The work message follows its stored dispatch event, so a worker's events for the attempt
    // can never come before the dispatch in the event stream.
    if (decision.work) await this.publishWork(decision.work);
    return ack;
  }

  private publishEvent(event: OrderflowEvent): Promise<PubAck> {
    return this.js.publish(subjects.event(event.batchId, event.type), encodeJson(event), {
      msgID: event.id,
    });
  }

  private async publishWork(work: WorkMessage): Promise<PubAck> {
    const ack = await this.js.publish(subjects.work(work.batchId), encodeJson(work), {
      msgID: workMessageId(work.itemId, work.attempt),
    });
    this.workSeqs.set(workKey(work.itemId, work.attempt), ack.seq);
    return ack;
  }

  /**
   * Deletes the queued work message of an attempt. When its sequence is unknown (it was
   * published before a restart and more than the duplicate window ago), a cancel purges every
   * work message of the batch instead, and a timeout leaves the message alone.
   */
  private async withdraw(
    target: NonNullable<Decision['withdraw']>,
    reason: OrderflowEvent['type'],
  ): Promise<void> {
    const key = workKey(target.itemId, target.attempt);
    const seq = this.workSeqs.get(key);
    this.workSeqs.delete(key);
    if (seq !== undefined) {
      await this.deleteWork(seq);
      return;
    }
    if (reason !== 'item.skipped') return;
    const purged = await this.jsm.streams.purge(WORK_STREAM.name, {
      filter: subjects.work(target.batchId),
    });
    this.log.info(
      { batchId: target.batchId, purgedCount: purged.purged },
      'work messages of cancelled batch purged',
    );
  }

  private async deleteWork(seq: number): Promise<void> {
    try {
      await this.jsm.streams.deleteMessage(WORK_STREAM.name, seq);
    } catch (error) {
      // The worker acknowledged the message meanwhile, so there is nothing left to delete.
      if (!(error instanceof JetStreamApiError && MESSAGE_GONE_CODES.includes(error.code))) {
        throw error;
      }
    }
  }
}

function workKey(itemId: string, attempt: number): string {
  return `${itemId} ${attempt}`;
}

function addAck(result: PublishResult, ack: PubAck): void {
  result.maxSeq = Math.max(result.maxSeq, ack.seq);
  if (!ack.duplicate) result.storedCount += 1;
}
