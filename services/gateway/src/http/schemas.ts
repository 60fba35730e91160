import { z } from '@hono/zod-openapi';
import { errorBodySchema, errorCodeSchema } from '@orderflow/contracts';

const timestamp = z.string().nullable().openapi({ format: 'date-time' });

/** Per-status item counts of a batch. */
export const countsSchema = z
  .object({
    pending: z.number().int(),
    processing: z.number().int(),
    success: z.number().int(),
    failed: z.number().int(),
    skipped: z.number().int(),
  })
  .openapi('ItemCounts');

export const itemSchema = z
  .object({
    id: z.string(),
    batch_task_id: z.string(),
    index: z.number().int().nullable(),
    row_number: z.number().int().nullable(),
    order_url: z.string().nullable(),
    amount: z.string().nullable().openapi({ example: '12.50' }),
    status: z.string(),
    attempts: z.number().int(),
    order_number: z.string().nullable(),
    final_order_url: z.string().nullable(),
    failure_reason: z.string().nullable(),
    error_code: z.string().nullable(),
    screenshot_url: z.string().nullable(),
    html_url: z.string().nullable(),
    extra: z.record(z.string(), z.string()),
    next_attempt_at: timestamp,
    updated_by: z.string().nullable(),
    timings: z.object({
      started_at: timestamp,
      finished_at: timestamp,
      duration_ms: z.number().nullable(),
      last_attempt_ms: z.number().nullable(),
      steps_ms: z.record(z.string(), z.number()).nullable(),
    }),
    updated_at: timestamp,
  })
  .openapi('Item');

export const pageSchema = z
  .object({
    skip: z.number().int(),
    limit: z.number().int(),
    returned: z.number().int(),
    total: z.number().int(),
    has_more: z.boolean(),
    next: z.string().nullable().optional(),
  })
  .openapi('Page');

export const batchSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    description: z.string().nullable(),
    status: z.string(),
    paused: z.boolean(),
    cancel_requested: z.boolean(),
    total_items: z.number().int(),
    completed_items: z.number().int(),
    failed_items: z.number().int(),
    counts: countsSchema,
    progress: z.number().openapi({ description: 'Percent of items in a final status.' }),
    max_concurrency: z.number().int().nullable(),
    source: z.record(z.string(), z.unknown()).nullable(),
    skipped_rows: z.array(z.unknown()),
    skipped_row_count: z.number().int(),
    created_at: timestamp,
    started_at: timestamp,
    finished_at: timestamp,
    updated_at: timestamp,
  })
  .openapi('Batch');

export const batchDetailSchema = batchSchema
  .extend({ task_items: z.array(itemSchema), task_items_page: pageSchema })
  .openapi('BatchDetail');

/** A page of batches: a plain array, as the legacy interface returned it. */
export const batchListSchema = z.array(batchSchema).openapi('BatchList');

export const itemListSchema = z
  .object({ items: z.array(itemSchema), page: pageSchema })
  .openapi('ItemList');

export const attemptSchema = z
  .object({
    attempt: z.number().int(),
    status: z
      .string()
      .openapi({ description: 'dispatched, running, succeeded, failed or timed_out' }),
    worker_id: z.string().nullable(),
    recipe: z.string().nullable(),
    verify_first: z.boolean().nullable(),
    effect_step: z.string().nullable(),
    error_code: z.string().nullable(),
    message: z.string().nullable(),
    retryable: z.boolean().nullable(),
    step: z.string().nullable(),
    details: z.record(z.string(), z.unknown()).nullable(),
    order_number: z.string().nullable(),
    final_order_url: z.string().nullable(),
    timings: z.record(z.string(), z.unknown()).nullable(),
    screenshot_url: z.string().nullable(),
    html_url: z.string().nullable(),
    log_url: z.string().nullable(),
    dispatched_at: timestamp,
    started_at: timestamp,
    finished_at: timestamp,
  })
  .openapi('Attempt');

export const attemptListSchema = z
  .object({ item_id: z.string(), attempts: z.array(attemptSchema) })
  .openapi('AttemptList');

export const eventSchema = z
  .object({
    id: z.number().int().openapi({ description: 'Position in commit order; the SSE event id.' }),
    seq: z.number().int().openapi({ description: 'Stream sequence in ORDERFLOW_EVENTS.' }),
    type: z.string(),
    batch_task_id: z.string(),
    item_id: z.string().nullable(),
    attempt: z.number().int().nullable(),
    time: timestamp,
    data: z.record(z.string(), z.unknown()),
  })
  .openapi('Event');

export const itemHistorySchema = z
  .object({ item_id: z.string(), events: z.array(eventSchema) })
  .openapi('ItemHistory');

export const statsSchema = z
  .object({
    total_batches: z.number().int(),
    total_items: z.number().int(),
    batches: z.record(z.string(), z.number().int()),
    items: z.record(z.string(), z.number().int()),
  })
  .openapi('Stats');

/** Body of a 202 response: the command was accepted and its outcome is not known yet. */
export const acceptedSchema = z
  .object({
    batch_task_id: z.string(),
    command_id: z.string().optional(),
    status: z.string(),
    message: z.string(),
    location: z.string(),
  })
  .openapi('Accepted');

export const retryResultSchema = z
  .object({ requeued_count: z.number().int(), batch: batchSchema })
  .openapi('RetryResult');

export const errorSchema = errorBodySchema
  .extend({
    error: z.object({
      code: errorCodeSchema,
      message: z.string(),
      details: z.unknown().optional(),
      request_id: z.string().optional(),
    }),
  })
  .openapi('Error');

/** Standard error responses of a route, by status, for the OpenAPI document. */
export function errorResponses(...statuses: number[]) {
  const descriptions: Record<number, string> = {
    400: 'Malformed request or JSON.',
    401: 'Missing or invalid bearer token.',
    404: 'No such batch or item.',
    409: 'The action does not apply to the current status.',
    413: 'The body or file is too large.',
    415: 'Wrong content type.',
    422: 'Invalid fields, or the import was rejected with row errors.',
    503: 'Postgres or NATS cannot be reached.',
  };
  return Object.fromEntries(
    [401, 503, ...statuses].map((status) => [
      status,
      {
        description: descriptions[status] ?? 'Error.',
        content: { 'application/json': { schema: errorSchema } },
      },
    ]),
  );
}

export const batchIdParam = z.object({
  batch_task_id: z.string().openapi({ param: { name: 'batch_task_id', in: 'path' } }),
});

export const itemIdParam = z.object({
  item_id: z.string().openapi({ param: { name: 'item_id', in: 'path' } }),
});
