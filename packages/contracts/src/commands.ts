import { z } from 'zod';
import { idSchema } from './ids';
import { controlActionSchema } from './statuses';

/** Largest value accepted for a per-batch concurrency override. */
export const MAX_BATCH_CONCURRENCY = 1_000;

/** Fields every command carries. */
const commandBase = {
  commandId: idSchema,
  batchId: idSchema,
  issuedAt: z.iso.datetime(),
  /** Label of the API token that sent the command; never the token itself. */
  requestedBy: z.string().max(200).optional(),
};

/**
 * One row as a client sent it, before validation: the legacy field names `order_url` and
 * `amount` plus any extra columns. The importer validates the values so that it can report
 * every row error at once.
 */
export const rawItemSchema = z.record(z.string(), z.unknown());

export type RawItem = z.infer<typeof rawItemSchema>;

/** Items carried inside the command, for JSON requests that fit in one message. */
export const inlineSourceSchema = z.object({
  kind: z.literal('items'),
  items: z.array(rawItemSchema),
});

/** An upload (workbook, CSV or a large JSON body) stored in the uploads object store. */
export const objectSourceSchema = z.object({
  kind: z.literal('object'),
  bucket: z.string().min(1),
  objectName: z.string().min(1),
  /** File name as the client sent it; only shown in messages, never used to pick a format. */
  fileName: z.string().max(255).optional(),
  contentType: z.string().max(255).optional(),
  sizeBytes: z.number().int().nonnegative(),
  /** Set to `json` when the object is a JSON request body rather than an uploaded file. */
  format: z.enum(['json']).optional(),
});

export const importOptionsSchema = z.object({
  /** Import the valid rows and report the skipped ones, instead of rejecting the whole import. */
  skipInvalid: z.boolean().default(false),
  /** Accept rows that repeat an order link. */
  allowDuplicates: z.boolean().default(false),
  /** Overrides MAX_CONCURRENT_BATCH_ITEMS for this batch. */
  maxConcurrency: z.number().int().min(1).max(MAX_BATCH_CONCURRENCY).optional(),
});

export type ImportOptions = z.infer<typeof importOptionsSchema>;

/** Asks the importer to create a batch from items or an uploaded file. */
export const importBatchCommandSchema = z.object({
  ...commandBase,
  type: z.literal('import'),
  name: z.string().min(1).max(255),
  description: z.string().max(10_000).optional(),
  source: z.discriminatedUnion('kind', [inlineSourceSchema, objectSourceSchema]),
  options: importOptionsSchema,
  idempotencyKey: z.string().max(255).optional(),
});

export type ImportBatchCommand = z.infer<typeof importBatchCommandSchema>;

/** Asks the scheduler to start, cancel, pause or resume a batch. */
export const controlBatchCommandSchema = z.object({
  ...commandBase,
  type: z.literal('control'),
  action: controlActionSchema,
});

export type ControlBatchCommand = z.infer<typeof controlBatchCommandSchema>;

/** Asks the scheduler to put up to `limit` failed items back to work with a fresh retry budget. */
export const retryBatchCommandSchema = z.object({
  ...commandBase,
  type: z.literal('retry'),
  limit: z.number().int().min(1).max(100_000),
});

export type RetryBatchCommand = z.infer<typeof retryBatchCommandSchema>;

/** Every command the scheduler takes. */
export const batchCommandSchema = z.discriminatedUnion('type', [
  controlBatchCommandSchema,
  retryBatchCommandSchema,
]);

export type BatchCommand = z.infer<typeof batchCommandSchema>;
