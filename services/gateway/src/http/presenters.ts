import { API_BASE_PATH } from '@orderflow/contracts';
import type { AttemptRow, BatchRow, EventLogRow } from '../db/schema';
import type { ItemWithAttempt } from '../read-model/queries';

type Timestamp = Date | string | null;

function iso(value: Timestamp): string | null {
  if (value === null) return null;
  return value instanceof Date ? value.toISOString() : new Date(value).toISOString();
}

/** Per-status item counts of a batch. */
export function batchCounts(row: BatchRow) {
  return {
    pending: row.pending_count,
    processing: row.processing_count,
    success: row.success_count,
    failed: row.failed_count,
    skipped: row.skipped_count,
  };
}

/** Percentage of items in a final status, with two decimals. */
function progressOf(row: BatchRow): number {
  const total = totalOf(row);
  if (total === 0) return 0;
  const done = row.success_count + row.failed_count + row.skipped_count;
  return Math.round((done / total) * 10_000) / 100;
}

function totalOf(row: BatchRow): number {
  return (
    row.pending_count +
    row.processing_count +
    row.success_count +
    row.failed_count +
    row.skipped_count
  );
}

/** Converts a batch row into its REST form, without items. */
export function presentBatch(row: BatchRow) {
  return {
    id: row.id,
    name: row.name ?? '',
    description: row.description,
    status: row.status,
    paused: row.paused,
    cancel_requested: row.cancel_requested,
    total_items: totalOf(row),
    completed_items: row.success_count,
    failed_items: row.failed_count,
    counts: batchCounts(row),
    progress: progressOf(row),
    max_concurrency: row.max_concurrency,
    source: row.source,
    skipped_rows: row.skipped_rows,
    skipped_row_count: row.skipped_row_count,
    created_at: iso(row.created_at),
    started_at: iso(row.started_at),
    finished_at: iso(row.finished_at),
    updated_at: iso(row.updated_at),
  };
}

/** Paging information of a list of items or batches. */
export function pageInfo(skip: number, limit: number, returned: number, total: number) {
  return { skip, limit, returned, total, has_more: skip + returned < total };
}

/** URL of an artifact of one attempt, served by the gateway with a token. */
export function artifactUrl(itemId: string, attempt: number, kind: string): string {
  return `${API_BASE_PATH}/items/${itemId}/attempts/${attempt}/artifacts/${kind}`;
}

function durationMs(start: Timestamp, end: Timestamp): number | null {
  if (start === null || end === null) return null;
  return new Date(end).getTime() - new Date(start).getTime();
}

/** Converts an item row into its REST form. */
export function presentItem(row: ItemWithAttempt) {
  const artifacts = row.latest_artifacts ?? {};
  const link = (kind: string) =>
    artifacts[kind] && row.attempts > 0 ? artifactUrl(row.id, row.attempts, kind) : null;
  return {
    id: row.id,
    batch_task_id: row.batch_id,
    index: row.idx,
    row_number: row.row_number,
    order_url: row.order_url,
    amount: row.amount,
    status: row.status,
    attempts: row.attempts,
    order_number: row.order_number,
    final_order_url: row.final_order_url,
    failure_reason: row.failure_reason,
    error_code: row.error_code,
    screenshot_url: link('screenshot'),
    html_url: link('html'),
    extra: row.extra,
    next_attempt_at: iso(row.next_attempt_at),
    updated_by: row.updated_by,
    timings: {
      started_at: iso(row.started_at),
      finished_at: iso(row.finished_at),
      duration_ms: durationMs(row.started_at, row.finished_at),
      last_attempt_ms: (row.latest_timings?.totalMs as number | undefined) ?? null,
      steps_ms: (row.latest_timings?.steps as Record<string, number> | undefined) ?? null,
    },
    updated_at: iso(row.updated_at),
  };
}

/** Converts an attempt row into its REST form. */
export function presentAttempt(row: AttemptRow) {
  const artifacts = row.artifacts ?? {};
  const link = (kind: string) =>
    artifacts[kind] ? artifactUrl(row.item_id, row.attempt, kind) : null;
  return {
    attempt: row.attempt,
    status: row.outcome ?? (row.started_at ? 'running' : 'dispatched'),
    worker_id: row.worker_id,
    recipe: row.recipe,
    verify_first: row.verify_first,
    effect_step: row.effect_step,
    error_code: row.error_code,
    message: row.message,
    retryable: row.retryable,
    step: row.step,
    details: row.details,
    order_number: row.order_number,
    final_order_url: row.final_order_url,
    timings: row.timings,
    screenshot_url: link('screenshot'),
    html_url: link('html'),
    log_url: link('log'),
    dispatched_at: iso(row.dispatched_at),
    started_at: iso(row.started_at),
    finished_at: iso(row.finished_at),
  };
}

/** Converts a logged event into the form the live progress stream sends. */
export function presentEvent(row: EventLogRow) {
  return {
    id: Number(row.feed_id),
    seq: Number(row.seq),
    type: row.type,
    batch_task_id: row.batch_id,
    item_id: row.item_id,
    attempt: row.attempt,
    time: iso(row.time),
    data: row.data,
  };
}
