import { describe, expect, it } from 'vitest';
import {
  batchCommandSchema,
  createEvent,
  ERROR_CODES,
  EVENT_TYPES,
  importBatchCommandSchema,
  isRetryable,
  parseEvent,
  workMessageSchema,
} from '../src/index';

const batchId = '4f1c2a9e-8d3b-4c5a-9e7f-0a1b2c3d4e5f';
const itemId = '9a1c2a9e-8d3b-4c5a-9e7f-0a1b2c3d4e5f';

describe('createEvent', () => {
  it('builds a valid envelope that parses back', () => {
    const event = createEvent(
      'item.dispatched',
      { source: 'scheduler', batchId, itemId, attempt: 1, causationId: 'cmd-1' },
      { attempt: 1, verifyFirst: false },
    );
    expect(event.version).toBe(1);
    expect(event.type).toBe('item.dispatched');
    expect(parseEvent(JSON.parse(JSON.stringify(event)))).toEqual(event);
  });

  it('rejects data that does not fit the type', () => {
    expect(() =>
      createEvent('item.dispatched', { source: 'scheduler', batchId }, {
        attempt: 0,
        verifyFirst: false,
      } as never),
    ).toThrow();
  });

  it('rejects an unknown type or version when parsing', () => {
    const event = createEvent('batch.paused', { source: 'scheduler', batchId }, {});
    expect(() => parseEvent({ ...event, type: 'batch.exploded' })).toThrow();
    expect(() => parseEvent({ ...event, version: 2 })).toThrow();
  });

  it('keeps amounts as strings in imported items', () => {
    const valid = {
      chunk: 0,
      items: [{ itemId, index: 0, row: 2, orderUrl: 'https://shop.example/o/1', amount: '12.50' }],
    };
    expect(() =>
      createEvent('batch.items_added', { source: 'importer', batchId }, valid),
    ).not.toThrow();
    const floating = { ...valid, items: [{ ...valid.items[0], amount: 12.5 }] };
    expect(() =>
      createEvent('batch.items_added', { source: 'importer', batchId }, floating as never),
    ).toThrow();
  });

  it('lists every event type once', () => {
    expect(new Set(EVENT_TYPES).size).toBe(EVENT_TYPES.length);
    expect(EVENT_TYPES).toContain('item.attempt_failed');
  });
});

describe('commands', () => {
  const base = { commandId: 'c1', batchId, issuedAt: new Date().toISOString() };

  it('parses an import command with defaults', () => {
    const command = importBatchCommandSchema.parse({
      ...base,
      type: 'import',
      name: 'March orders',
      source: { kind: 'items', items: [{ order_url: 'https://x.test/1', amount: 3 }] },
      options: {},
    });
    expect(command.options.skipInvalid).toBe(false);
    expect(command.options.allowDuplicates).toBe(false);
  });

  it('rejects an import without a name', () => {
    const result = importBatchCommandSchema.safeParse({
      ...base,
      type: 'import',
      name: '',
      source: { kind: 'items', items: [] },
      options: {},
    });
    expect(result.success).toBe(false);
  });

  it('tells control and retry commands apart', () => {
    expect(batchCommandSchema.parse({ ...base, type: 'control', action: 'pause' }).type).toBe(
      'control',
    );
    expect(
      batchCommandSchema.safeParse({ ...base, type: 'control', action: 'explode' }).success,
    ).toBe(false);
    expect(batchCommandSchema.safeParse({ ...base, type: 'retry', limit: 0 }).success).toBe(false);
  });
});

describe('work messages', () => {
  it('requires an absolute URL and a canonical amount', () => {
    const valid = {
      batchId,
      itemId,
      attempt: 1,
      orderUrl: 'https://shop.example/o/1',
      amount: '5.00',
      timeoutMs: 300_000,
      dispatchedAt: new Date().toISOString(),
    };
    expect(workMessageSchema.parse(valid).verifyFirst).toBe(false);
    expect(workMessageSchema.safeParse({ ...valid, orderUrl: '/o/1' }).success).toBe(false);
    expect(workMessageSchema.safeParse({ ...valid, amount: '5' }).success).toBe(false);
  });
});

describe('error codes', () => {
  it('give every code an HTTP status and retry meaning', () => {
    for (const spec of Object.values(ERROR_CODES)) {
      expect(spec.httpStatus).toBeGreaterThanOrEqual(400);
      expect(spec.httpStatus).toBeLessThan(600);
    }
    expect(isRetryable('ATTEMPT_TIMED_OUT')).toBe(true);
    expect(isRetryable('AMOUNT_MISMATCH')).toBe(false);
    expect(isRetryable('UNSAFE_TO_RETRY')).toBe(false);
  });
});
