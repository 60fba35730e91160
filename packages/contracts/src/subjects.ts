import { SUBJECT_TOKEN_PATTERN } from './ids';

/** Prefix of every subject Orderflow publishes on. */
export const SUBJECT_ROOT = 'orderflow';

/** Raised when a value cannot be used as one subject token. */
export class InvalidSubjectTokenError extends Error {
  override name = 'InvalidSubjectTokenError';

  constructor(
    readonly field: string,
    readonly value: string,
  ) {
    super(
      `${field} ${JSON.stringify(value)} cannot be a NATS subject token: use 1 to 64 letters, digits, "-" or "_"`,
    );
  }
}

function token(field: string, value: string): string {
  if (!SUBJECT_TOKEN_PATTERN.test(value)) throw new InvalidSubjectTokenError(field, value);
  return value;
}

/**
 * Builders of every subject. Nothing else in the code base spells a subject string.
 * Event types contain a dot (`item.dispatched`), so an event subject has two type tokens.
 */
export const subjects = {
  /** Commands to the importer: create a batch. */
  importCommand: (batchId: string) => `${SUBJECT_ROOT}.cmd.import.${token('batchId', batchId)}`,
  importCommands: `${SUBJECT_ROOT}.cmd.import.>`,

  /** Commands to the scheduler: control and retry of one batch. */
  batchCommand: (batchId: string) => `${SUBJECT_ROOT}.cmd.batch.${token('batchId', batchId)}`,
  batchCommands: `${SUBJECT_ROOT}.cmd.batch.>`,

  /** Every command subject. */
  allCommands: `${SUBJECT_ROOT}.cmd.>`,

  /** One event of a batch; `type` is an event type such as `item.dispatched`. */
  event: (batchId: string, type: string) => {
    const [entity = '', action = '', ...rest] = type.split('.');
    if (rest.length > 0) throw new InvalidSubjectTokenError('event type', type);
    return `${SUBJECT_ROOT}.evt.${token('batchId', batchId)}.${token('event type', entity)}.${token('event type', action)}`;
  },
  /** Every event of one batch. */
  batchEvents: (batchId: string) => `${SUBJECT_ROOT}.evt.${token('batchId', batchId)}.>`,
  /** One event type across all batches, for example cancel requests that workers watch. */
  eventsOfType: (type: string) => {
    const [entity = '', action = ''] = type.split('.');
    return `${SUBJECT_ROOT}.evt.*.${token('event type', entity)}.${token('event type', action)}`;
  },
  allEvents: `${SUBJECT_ROOT}.evt.>`,

  /** Work for browser workers, one message per item attempt. */
  work: (batchId: string) => `${SUBJECT_ROOT}.work.${token('batchId', batchId)}`,
  allWork: `${SUBJECT_ROOT}.work.>`,

  /** JetStream advisory published when a work message reaches the consumer's delivery limit. */
  workMaxDeliveriesAdvisory: (stream: string, consumer: string) =>
    `$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.${token('stream', stream)}.${token('consumer', consumer)}`,
} as const;
