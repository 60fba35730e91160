import { isObject } from './batch-summary';

/** Keys under which a list response may carry its rows. */
const ROW_KEYS = ['items', 'task_items', 'batches', 'data'] as const;

/** One page of a list response: its rows and what the server reports about the rest. */
export interface Page {
  rows: unknown[];
  /** Rows in all pages together, when the server reports it. */
  total?: number;
  /** Whether more rows follow, when the server reports it. */
  hasMore?: boolean;
}

/**
 * Reads a list response: `{ items, page: { total, has_more } }` as the gateway sends it, or a
 * plain array as older servers did.
 */
export function readPage(body: unknown): Page {
  if (Array.isArray(body)) return { rows: body };
  if (!isObject(body)) return { rows: [] };

  const rows = ROW_KEYS.map((key) => body[key]).find(Array.isArray) ?? [];
  const info = isObject(body.page) ? body.page : body;
  const page: Page = { rows };
  if (typeof info.total === 'number') page.total = info.total;
  if (typeof info.has_more === 'boolean') page.hasMore = info.has_more;
  return page;
}
