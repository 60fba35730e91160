import { ItemStatus, TERMINAL_BATCH_STATUSES } from '@orderflow/contracts';

/** Items of a batch in each item status. */
export type ItemCounts = Record<ItemStatus, number>;

/** Fields of a batch that the CLI shows, read defensively from a batch response. */
export interface BatchSummary {
  id: string;
  name: string;
  description?: string;
  status: string;
  paused: boolean;
  totalItems: number;
  counts: ItemCounts;
  /** Items that reached success, failed or skipped. */
  doneItems: number;
  createdAt?: string;
  updatedAt?: string;
}

const ITEM_STATUSES = Object.values(ItemStatus);

/** Object keys under which a response may carry the counts per item status. */
const COUNTS_KEYS = ['counts', 'item_counts', 'status_counts'] as const;

type JsonObject = Record<string, unknown>;

/** Tells whether a value is a plain JSON object. */
export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function readString(object: JsonObject, ...keys: string[]): string | undefined {
  for (const key of keys) {
    const value = object[key];
    if (typeof value === 'string') return value;
    if (typeof value === 'number') return String(value);
  }
  return undefined;
}

function readCount(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string' && /^\d+$/.test(value)) return Number(value);
  return undefined;
}

/**
 * Reads the counts per item status from a `counts` object, or else from flat fields such as
 * `failed_count` or `failed_items`. A status the response leaves out counts 0.
 */
export function readItemCounts(batch: JsonObject): ItemCounts {
  const nested = COUNTS_KEYS.map((key) => batch[key]).find(isObject);
  const counts = {} as ItemCounts;
  for (const status of ITEM_STATUSES) {
    const value = nested ? nested[status] : (batch[`${status}_count`] ?? batch[`${status}_items`]);
    counts[status] = readCount(value) ?? 0;
  }
  return counts;
}

/** Reads a batch response into a {@link BatchSummary}; fields it lacks get neutral values. */
export function summarizeBatch(value: unknown): BatchSummary {
  const batch = isObject(value) ? value : {};
  const counts = readItemCounts(batch);
  const countedTotal = ITEM_STATUSES.reduce((sum, status) => sum + counts[status], 0);
  const totalItems =
    readCount(batch.total_items) ??
    readCount(batch.item_count) ??
    readCount(batch.total) ??
    countedTotal;
  const description = readString(batch, 'description');
  const createdAt = readString(batch, 'created_at');
  const updatedAt = readString(batch, 'updated_at');

  return {
    id: readString(batch, 'id', 'batch_task_id', 'batch_id') ?? '',
    name: readString(batch, 'name') ?? '',
    ...(description === undefined ? {} : { description }),
    status: readString(batch, 'status') ?? 'unknown',
    paused: batch.paused === true,
    totalItems,
    counts,
    doneItems: counts.success + counts.failed + counts.skipped,
    ...(createdAt === undefined ? {} : { createdAt }),
    ...(updatedAt === undefined ? {} : { updatedAt }),
  };
}

/** Tells whether a batch status is final: completed, failed or cancelled. */
export function isFinishedStatus(status: string): boolean {
  return (TERMINAL_BATCH_STATUSES as readonly string[]).includes(status);
}

/** Whole percent of items done, 100 for a finished batch without items. */
export function progressPercent(summary: BatchSummary): number {
  if (summary.totalItems <= 0) return isFinishedStatus(summary.status) ? 100 : 0;
  return Math.min(100, Math.floor((summary.doneItems * 100) / summary.totalItems));
}

/** Returns the status to show: `paused` for a paused batch that is not finished. */
export function displayStatus(summary: Pick<BatchSummary, 'status' | 'paused'>): string {
  return summary.paused && !isFinishedStatus(summary.status) ? 'paused' : summary.status;
}
