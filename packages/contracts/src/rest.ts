import { z } from 'zod';
import { MAX_BATCH_CONCURRENCY } from './commands';
import { batchStatusSchema, controlActionSchema, itemStatusSchema } from './statuses';

/** Base path of the REST interface that existing clients use. */
export const API_BASE_PATH = '/api/v1/batch-tasks';

/**
 * Body of `POST /`. Item values are validated by the importer, which reports every row error at
 * once, so only the shape is checked here.
 */
export const createBatchRequestSchema = z.object({
  name: z.string().trim().min(1).max(255),
  description: z.string().max(10_000).nullish(),
  task_items: z
    .array(z.looseObject({ order_url: z.unknown(), amount: z.unknown() }))
    .min(1, 'task_items must contain at least one item'),
  skip_invalid: z.boolean().optional(),
  allow_duplicates: z.boolean().optional(),
  max_concurrency: z.number().int().min(1).max(MAX_BATCH_CONCURRENCY).optional(),
});

export type CreateBatchRequest = z.infer<typeof createBatchRequestSchema>;

/** Query of `GET /`. */
export const listBatchesQuerySchema = z.object({
  skip: z.coerce.number().int().min(0).default(0),
  limit: z.coerce.number().int().min(1).max(1_000).default(100),
  status: batchStatusSchema.optional(),
});

/** Query of `GET /{batch_task_id}/items`. */
export const listItemsQuerySchema = z.object({
  skip: z.coerce.number().int().min(0).default(0),
  limit: z.coerce.number().int().min(1).max(1_000).default(100),
  status: itemStatusSchema.optional(),
});

/**
 * Body of `POST /{batch_task_id}/control`. `allow_repeated_orders` lets `start` go ahead when
 * other batches already succeeded with, or are working on, some of the batch's order links.
 */
export const controlRequestSchema = z.object({
  action: controlActionSchema,
  allow_repeated_orders: z.boolean().optional(),
});

/** Query of `POST /{batch_task_id}/retry`. */
export const retryQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(100_000).default(10),
});

/** Body of `PUT /items/{item_id}`. */
export const itemUpdateRequestSchema = z.object({
  status: itemStatusSchema,
  order_number: z.string().max(255).nullish(),
  final_order_url: z.string().max(2048).nullish(),
  failure_reason: z.string().max(2000).nullish(),
});

export type ItemUpdateRequest = z.infer<typeof itemUpdateRequestSchema>;
