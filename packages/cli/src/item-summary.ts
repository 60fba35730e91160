import { isObject } from './batch-summary';

/** Fields of an item that the CLI shows, read defensively from an item response. */
export interface ItemSummary {
  id: string;
  row?: number;
  orderUrl: string;
  amount: string;
  status: string;
  attempts?: number;
  orderNumber?: string;
  finalOrderUrl?: string;
  failureReason?: string;
  errorCode?: string;
  screenshotUrl?: string;
}

function pick(object: Record<string, unknown>, ...keys: string[]): unknown {
  for (const key of keys) {
    if (object[key] !== undefined && object[key] !== null) return object[key];
  }
  return undefined;
}

function asText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return undefined;
}

function asNumber(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string' && /^\d+$/.test(value)) return Number(value);
  return undefined;
}

/** Reads an item response into an {@link ItemSummary}; fields it lacks stay undefined. */
export function summarizeItem(value: unknown): ItemSummary {
  const item = isObject(value) ? value : {};
  const summary: ItemSummary = {
    id: asText(pick(item, 'id', 'item_id')) ?? '',
    orderUrl: asText(pick(item, 'order_url')) ?? '',
    amount: asText(pick(item, 'amount')) ?? '',
    status: asText(pick(item, 'status')) ?? 'unknown',
  };
  const optional: Partial<ItemSummary> = {
    row: asNumber(pick(item, 'row_number', 'row')),
    attempts: asNumber(pick(item, 'attempts', 'attempt_count', 'attempt')),
    orderNumber: asText(pick(item, 'order_number')),
    finalOrderUrl: asText(pick(item, 'final_order_url')),
    failureReason: asText(pick(item, 'failure_reason', 'error_message')),
    errorCode: asText(pick(item, 'error_code', 'failure_code')),
    screenshotUrl: asText(pick(item, 'screenshot_url', 'screenshot')),
  };
  for (const [key, field] of Object.entries(optional)) {
    if (field !== undefined) (summary as unknown as Record<string, unknown>)[key] = field;
  }
  return summary;
}
