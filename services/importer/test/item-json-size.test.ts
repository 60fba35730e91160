import type { ImportedItem } from '@orderflow/contracts';
import { describe, expect, it } from 'vitest';
import { itemJsonBytes } from '../src/item-json-size';

function item(overrides: Partial<ImportedItem>): ImportedItem {
  return {
    itemId: '0f8fad5b-d9cb-469f-a165-70867728950e',
    index: 0,
    row: 2,
    orderUrl: 'https://shop.example.com/orders/1',
    amount: '12.50',
    extra: {},
    ...overrides,
  };
}

describe('itemJsonBytes', () => {
  const cases: Array<[string, ImportedItem]> = [
    ['no extra columns', item({})],
    ['large numbers', item({ index: 99_999, row: 100_001 })],
    ['one extra column', item({ extra: { note: 'first' } })],
    ['several extra columns', item({ extra: { a: '1', 'b c': 'two', customer: 'Müller' } })],
    ['quotes and backslashes', item({ extra: { 'say "hi"': 'C:\\temp\\"x"' } })],
    ['control characters', item({ extra: { note: 'line\nbreak\ttab\u0001' } })],
    [
      'emoji and CJK',
      item({ extra: { note: '注文 🍣' }, orderUrl: 'https://xn--eckwd4c7c.xn--zckzah/' }),
    ],
    ['lone surrogate', item({ extra: { note: 'broken \ud800 text' } })],
    ['line separators', item({ extra: { note: 'a\u2028b\u2029c' } })],
  ];
  for (const [name, value] of cases) {
    it(`measures ${name}`, () => {
      expect(itemJsonBytes(value)).toBe(Buffer.byteLength(JSON.stringify(value)));
    });
  }
});
