import { isObject } from './batch-summary';

/** Keys under which a paged response may carry its rows. */
const ROW_KEYS = ['items', 'batches', 'data', 'results'] as const;

/** One page of a list response: its rows and the total the server reports, if any. */
export interface Page {
  rows: unknown[];
  total?: number;
}

/** Reads a list response that is either an array or an object with a row array and a total. */
export function readPage(body: unknown): Page {
  if (Array.isArray(body)) return { rows: body };
  if (!isObject(body)) return { rows: [] };

  const rows = ROW_KEYS.map((key) => body[key]).find(Array.isArray) ?? [];
  const total = body.total;
  return typeof total === 'number' ? { rows, total } : { rows };
}
