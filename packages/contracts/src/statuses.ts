import { z } from 'zod';

/**
 * Status of a batch task, as the REST interface spells it. A paused batch stays `processing`
 * and carries a separate paused flag, so that existing clients see only the statuses they know.
 */
export const BatchStatus = {
  Pending: 'pending',
  Processing: 'processing',
  Completed: 'completed',
  Failed: 'failed',
  Cancelled: 'cancelled',
} as const;

export type BatchStatus = (typeof BatchStatus)[keyof typeof BatchStatus];

export const batchStatusSchema = z.enum(
  Object.values(BatchStatus) as [BatchStatus, ...BatchStatus[]],
);

/** Status of one item of a batch. */
export const ItemStatus = {
  Pending: 'pending',
  Processing: 'processing',
  Success: 'success',
  Failed: 'failed',
  Skipped: 'skipped',
} as const;

export type ItemStatus = (typeof ItemStatus)[keyof typeof ItemStatus];

export const itemStatusSchema = z.enum(Object.values(ItemStatus) as [ItemStatus, ...ItemStatus[]]);

/** Item statuses after which no further attempt runs unless someone retries the item. */
export const TERMINAL_ITEM_STATUSES: readonly ItemStatus[] = ['success', 'failed', 'skipped'];

/** Batch statuses after which the batch dispatches no more work. */
export const TERMINAL_BATCH_STATUSES: readonly BatchStatus[] = ['completed', 'failed', 'cancelled'];

/** Control actions of `POST /{batch_task_id}/control`. */
export const ControlAction = {
  Start: 'start',
  Cancel: 'cancel',
  Pause: 'pause',
  Resume: 'resume',
} as const;

export type ControlAction = (typeof ControlAction)[keyof typeof ControlAction];

export const controlActionSchema = z.enum(
  Object.values(ControlAction) as [ControlAction, ...ControlAction[]],
);
