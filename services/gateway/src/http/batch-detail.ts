import { API_BASE_PATH } from '@orderflow/contracts';
import type { ReadModelDb } from '../db/database';
import type { BatchRow } from '../db/schema';
import { listItems } from '../read-model/queries';
import { pageInfo, presentBatch, presentItem } from './presenters';

/** Returns the number of items of a batch in one status, or in all, from its counters. */
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

/** Loads a batch with the first page of its items and a link to the next page. */
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

const DEFAULT_CACHED_BATCHES = 256;

/**
 * Rendered batch details by batch id, valid while the batch row's `version` is unchanged. The
 * projector raises it in every transaction that applies an event of the batch, item events
 * included, so a cached body is never staler than the batch row just read. Entries are evicted
 * least recently used first.
 */
export class BatchDetailCache {
  readonly #entries = new Map<string, { version: string; body: string }>();

  constructor(readonly maxEntries = DEFAULT_CACHED_BATCHES) {}

  /** Returns the detail of `batch` as JSON text, rendering it only when the batch changed. */
  async render(db: ReadModelDb, batch: BatchRow, pageSize: number): Promise<string> {
    const version = `${batch.version}:${pageSize}`;
    const cached = this.#entries.get(batch.id);
    this.#entries.delete(batch.id);
    if (cached?.version === version) {
      this.#entries.set(batch.id, cached);
      return cached.body;
    }
    const body = JSON.stringify(await loadBatchDetail(db, batch, pageSize));
    this.#entries.set(batch.id, { version, body });
    if (this.#entries.size > this.maxEntries) {
      const oldest = this.#entries.keys().next().value;
      if (oldest !== undefined) this.#entries.delete(oldest);
    }
    return body;
  }
}
