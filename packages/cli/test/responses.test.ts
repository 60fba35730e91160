import { describe, expect, it } from 'vitest';
import { summarizeItem } from '../src/item-summary';
import { readPage } from '../src/paging';

describe('readPage', () => {
  it('reads rows and paging of the gateway', () => {
    const page = readPage({ items: [1, 2], page: { total: 5, has_more: true } });

    expect(page).toEqual({ rows: [1, 2], total: 5, hasMore: true });
  });

  it('reads a plain array', () => {
    expect(readPage([1])).toEqual({ rows: [1] });
  });

  it('returns no rows for other values', () => {
    expect(readPage('text')).toEqual({ rows: [] });
    expect(readPage({ page: { total: 0 } })).toEqual({ rows: [], total: 0 });
  });
});

describe('summarizeItem', () => {
  it('reads the fields of a gateway item', () => {
    const item = summarizeItem({
      id: 'i1',
      row_number: 4,
      order_url: 'https://shop.test/1',
      amount: '12.50',
      status: 'failed',
      attempts: 2,
      order_number: null,
      failure_reason: 'Amount differs.',
      error_code: 'AMOUNT_MISMATCH',
      screenshot_url: '/api/v1/batch-tasks/items/i1/attempts/2/artifacts/screenshot',
    });

    expect(item).toEqual({
      id: 'i1',
      row: 4,
      orderUrl: 'https://shop.test/1',
      amount: '12.50',
      status: 'failed',
      attempts: 2,
      failureReason: 'Amount differs.',
      errorCode: 'AMOUNT_MISMATCH',
      screenshotUrl: '/api/v1/batch-tasks/items/i1/attempts/2/artifacts/screenshot',
    });
  });

  it('gives neutral values for a response that is no object', () => {
    expect(summarizeItem(null)).toEqual({ id: '', orderUrl: '', amount: '', status: 'unknown' });
  });
});
