import { z } from 'zod';
import { amountSchema } from './amount';
import { errorCodeSchema } from './errors';
import { idSchema, newId } from './ids';
import { itemStatusSchema } from './statuses';
import { MAX_ROW_ERROR_VALUE_CHARS } from './text';

/** Schema version of every event type below; a breaking change adds a new version. */
export const EVENT_SCHEMA_VERSION = 1;

/** Services that publish events. */
export const eventSourceSchema = z.enum(['gateway', 'importer', 'scheduler', 'browser-worker']);

export type EventSource = z.infer<typeof eventSourceSchema>;

/** One row problem found by the importer. */
export const rowErrorSchema = z.object({
  /** Row number as the spreadsheet shows it, or the 0-based index of a JSON item. */
  row: z.number().int().nonnegative().optional(),
  index: z.number().int().nonnegative().optional(),
  column: z.string().optional(),
  /** The offending value, shortened for display. */
  value: z.string().max(MAX_ROW_ERROR_VALUE_CHARS).optional(),
  problem: z.enum([
    'missing_column',
    'missing_value',
    'invalid_url',
    'blocked_address',
    'invalid_amount',
    'duplicate',
    'formula_without_result',
    'cell_too_long',
    'too_many_rows',
    'unreadable_file',
  ]),
  message: z.string(),
});

export type RowError = z.infer<typeof rowErrorSchema>;

/** An item as the importer accepted it. */
export const importedItemSchema = z.object({
  itemId: idSchema,
  /** 0-based position in the batch. */
  index: z.number().int().nonnegative(),
  /** Row number as the spreadsheet shows it (1-based, header included), or the JSON index. */
  row: z.number().int().nonnegative(),
  orderUrl: z.url(),
  amount: amountSchema,
  /** Extra columns of the row, by header name, as text. */
  extra: z.record(z.string(), z.string()).default({}),
});

export type ImportedItem = z.infer<typeof importedItemSchema>;

/** Object names of what a failed attempt left behind, in the artifacts bucket. */
export const artifactsSchema = z.object({
  bucket: z.string(),
  screenshot: z.string().optional(),
  html: z.string().optional(),
  /** JSON with console errors and the last failed requests. */
  log: z.string().optional(),
});

export type Artifacts = z.infer<typeof artifactsSchema>;

const timingsSchema = z.object({
  totalMs: z.number().nonnegative(),
  steps: z.record(z.string(), z.number().nonnegative()).optional(),
});

/** Payload schema of every event type. */
export const EVENT_DATA = {
  'batch.items_added': z.object({
    /** 0-based chunk number; the created event states how many chunks there are. */
    chunk: z.number().int().nonnegative(),
    items: z.array(importedItemSchema).min(1),
  }),
  'batch.created': z.object({
    name: z.string(),
    description: z.string().optional(),
    itemCount: z.number().int().nonnegative(),
    chunkCount: z.number().int().nonnegative(),
    source: z.object({
      kind: z.enum(['json', 'xlsx', 'csv']),
      fileName: z.string().optional(),
      sheet: z.string().optional(),
    }),
    /** Header names in file order, extra columns included. */
    columns: z.array(z.string()),
    maxConcurrency: z.number().int().positive().optional(),
    skippedRows: z.array(rowErrorSchema),
    skippedCount: z.number().int().nonnegative(),
    idempotencyKey: z.string().optional(),
    requestedBy: z.string().optional(),
  }),
  'batch.import_rejected': z.object({
    name: z.string(),
    code: errorCodeSchema,
    message: z.string(),
    /** The first errors, capped; `errorCount` is the total. */
    errors: z.array(rowErrorSchema),
    errorCount: z.number().int().nonnegative(),
    idempotencyKey: z.string().optional(),
  }),
  'batch.started': z.object({ maxConcurrency: z.number().int().positive() }),
  'batch.paused': z.object({}),
  'batch.resumed': z.object({}),
  'batch.cancel_requested': z.object({}),
  'batch.retry_requested': z.object({
    limit: z.number().int().positive(),
    /** Number of failed items put back to work. */
    requeuedCount: z.number().int().nonnegative(),
  }),
  'batch.finished': z.object({
    status: z.enum(['completed', 'failed', 'cancelled']),
    succeeded: z.number().int().nonnegative(),
    failed: z.number().int().nonnegative(),
    skipped: z.number().int().nonnegative(),
  }),
  'batch.command_rejected': z.object({
    commandId: idSchema,
    code: errorCodeSchema,
    message: z.string(),
  }),
  'item.dispatched': z.object({
    attempt: z.number().int().min(1),
    verifyFirst: z.boolean(),
  }),
  'item.attempt_started': z.object({
    attempt: z.number().int().min(1),
    workerId: z.string(),
    recipe: z.string(),
  }),
  'item.effect_started': z.object({
    attempt: z.number().int().min(1),
    /** Name of the recipe step that changes the remote site. */
    step: z.string(),
  }),
  'item.attempt_succeeded': z.object({
    attempt: z.number().int().min(1),
    orderNumber: z.string(),
    finalOrderUrl: z.string(),
    fields: z.record(z.string(), z.string()).default({}),
    timings: timingsSchema,
    artifacts: artifactsSchema.optional(),
  }),
  'item.attempt_failed': z.object({
    attempt: z.number().int().min(1),
    code: errorCodeSchema,
    message: z.string(),
    retryable: z.boolean(),
    /** Recipe step that failed or hung. */
    step: z.string().optional(),
    details: z.record(z.string(), z.unknown()).optional(),
    timings: timingsSchema.optional(),
    artifacts: artifactsSchema.optional(),
  }),
  'item.attempt_timed_out': z.object({
    attempt: z.number().int().min(1),
    timeoutMs: z.number().int().positive(),
  }),
  'item.retry_scheduled': z.object({
    /** The attempt that failed. */
    attempt: z.number().int().min(1),
    nextAttempt: z.number().int().min(2),
    notBefore: z.iso.datetime(),
    delayMs: z.number().int().nonnegative(),
    code: errorCodeSchema,
  }),
  'item.succeeded': z.object({
    attempt: z.number().int().min(1),
    orderNumber: z.string(),
    finalOrderUrl: z.string(),
  }),
  'item.failed': z.object({
    attempt: z.number().int().min(0),
    code: errorCodeSchema,
    message: z.string(),
    artifacts: artifactsSchema.optional(),
  }),
  'item.skipped': z.object({ reason: z.string() }),
  'item.requeued': z.object({
    /** Attempts made before the retry; the next attempt number continues from it. */
    attemptsBefore: z.number().int().nonnegative(),
  }),
  'item.updated_by_hand': z.object({
    status: itemStatusSchema,
    orderNumber: z.string().max(255).nullable().optional(),
    finalOrderUrl: z.string().max(2048).nullable().optional(),
    failureReason: z.string().max(2000).nullable().optional(),
    updatedBy: z.string().max(200),
  }),
} as const;

export type EventType = keyof typeof EVENT_DATA;

export const EVENT_TYPES = Object.keys(EVENT_DATA) as EventType[];

export const eventTypeSchema = z.enum(EVENT_TYPES as [EventType, ...EventType[]]);

/** Fields every event carries, besides its type and data. */
export const eventEnvelopeSchema = z.object({
  /** Unique id; also the `Nats-Msg-Id` the event is published with. */
  id: idSchema,
  type: eventTypeSchema,
  version: z.literal(EVENT_SCHEMA_VERSION),
  time: z.iso.datetime(),
  source: eventSourceSchema,
  batchId: idSchema,
  itemId: idSchema.optional(),
  attempt: z.number().int().min(0).optional(),
  /** Id of the command or event that caused this one. */
  causationId: z.string().max(128).optional(),
});

export type EventEnvelope = z.infer<typeof eventEnvelopeSchema>;

/** An event of type `T` with its typed data. */
export type OrderflowEvent<T extends EventType = EventType> = {
  [K in T]: EventEnvelope & { type: K; data: z.infer<(typeof EVENT_DATA)[K]> };
}[T];

const eventSchemas = EVENT_TYPES.map((type) =>
  eventEnvelopeSchema.extend({ type: z.literal(type), data: EVENT_DATA[type] }),
);

/** Schema of any event, discriminated by `type`. */
export const eventSchema = z.discriminatedUnion(
  'type',
  eventSchemas as unknown as [(typeof eventSchemas)[number], ...(typeof eventSchemas)[number][]],
);

/** Options of {@link createEvent}. */
export interface CreateEventOptions {
  source: EventSource;
  batchId: string;
  itemId?: string;
  attempt?: number;
  causationId?: string;
  /** Set for decisions that may be made twice (after a restart) so that JetStream drops the copy. */
  id?: string;
  time?: Date;
}

/** Builds and validates an event; throws a ZodError when the data does not fit the type. */
export function createEvent<T extends EventType>(
  type: T,
  options: CreateEventOptions,
  data: z.input<(typeof EVENT_DATA)[T]>,
): OrderflowEvent<T> {
  const parsed = EVENT_DATA[type].parse(data) as z.output<(typeof EVENT_DATA)[T]>;
  return assembleEvent(type, options, parsed);
}

/**
 * Builds an event from data that its producer has already validated, without checking it again.
 * The importer uses it for item chunks, whose every field comes out of its own row checks. A
 * second check through the schema took about a sixth of a 100,000-row import in one profiled
 * run. Consumers parse every event they read, so invalid data still never reaches the read model.
 */
export function assembleEvent<T extends EventType>(
  type: T,
  options: CreateEventOptions,
  data: z.output<(typeof EVENT_DATA)[T]>,
): OrderflowEvent<T> {
  const event = {
    id: options.id ?? newId(),
    type,
    version: EVENT_SCHEMA_VERSION,
    time: (options.time ?? new Date()).toISOString(),
    source: options.source,
    batchId: options.batchId,
    ...(options.itemId === undefined ? {} : { itemId: options.itemId }),
    ...(options.attempt === undefined ? {} : { attempt: options.attempt }),
    ...(options.causationId === undefined ? {} : { causationId: options.causationId }),
    data,
  };
  return event as OrderflowEvent<T>;
}

/** Parses and validates an event from its JSON form. */
export function parseEvent(value: unknown): OrderflowEvent {
  return eventSchema.parse(value) as OrderflowEvent;
}
