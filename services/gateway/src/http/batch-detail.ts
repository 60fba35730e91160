import { API_BASE_PATH } from '@orderflow/contracts';
import type { ReadModelDb } from '../db/database';
import type { BatchRow } from '../db/schema';
import { listItems } from '../read-model/queries';
import { pageInfo, presentBatch, presentItem } from './presenters';

/** Total items of a batch in one status, or in all, from the batch's counters. */
export function itemTotal(batch: BatchRow, status?: string): number {
  switch (status) {
    case 'pending':
      return batch.pending_count;
    case 'processing':
      return batch.processing_count;
    case 'success':
      return batch.success_count;
    case 'failed':
      return batch.failed_count;
    case 'skipped':
      return batch.skipped_count;
    default:
      return (
        batch.pending_count +
        batch.processing_count +
        batch.success_count +
        batch.failed_count +
        batch.skipped_count
      );
  }
}

/** A batch with the first page of its items and a link to the next page. */
export async function loadBatchDetail(db: ReadModelDb, batch: BatchRow, pageSize: number) {
  const items = await listItems(db, batch.id, { skip: 0, limit: pageSize });
  const page = pageInfo(0, pageSize, items.length, itemTotal(batch));
  return {
    ...presentBatch(batch),
    task_items: items.map(presentItem),
    task_items_page: {
      ...page,
      next: page.has_more
        ? `${API_BASE_PATH}/${batch.id}/items?skip=${pageSize}&limit=${pageSize}`
        : null,
    },
  };
}
