import { describe, expect, it } from 'vitest';
import { type Column, formatFields, formatTable, truncate } from '../src/table';

interface Row {
  id: string;
  count: number;
  note?: string;
}

const columns: Column<Row>[] = [
  { header: 'ID', value: (row) => row.id },
  { header: 'COUNT', value: (row) => row.count, align: 'right' },
  { header: 'NOTE', value: (row) => row.note, maxWidth: 8 },
];

describe('formatTable', () => {
  it('aligns columns two spaces apart', () => {
    const lines = formatTable(columns, [
      { id: 'a', count: 5, note: 'short' },
      { id: 'longer-id', count: 120 },
    ]);

    expect(lines).toEqual([
      'ID         COUNT  NOTE',
      'a              5  short',
      'longer-id    120',
    ]);
  });

  it('cuts long cells with an ellipsis', () => {
    const [, line] = formatTable(columns, [{ id: 'a', count: 1, note: 'a rather long note' }]);

    expect(line).toBe('a       1  a rathe…');
  });

  it('collapses line breaks inside cells', () => {
    const [, line] = formatTable(columns, [{ id: 'a\nb', count: 1 }]);

    expect(line).toBe('a b      1');
  });

  it('styles cells without changing the padding', () => {
    const styled: Column<Row>[] = [
      { header: 'ID', value: (row) => row.id, style: (text) => `<${text}>` },
      { header: 'COUNT', value: (row) => row.count },
    ];

    const lines = formatTable(styled, [
      { id: 'a', count: 1 },
      { id: 'abc', count: 2 },
    ]);

    expect(lines).toEqual(['ID   COUNT', '<a>    1', '<abc>  2']);
  });

  it('prints only the header without rows', () => {
    expect(formatTable(columns, [])).toEqual(['ID  COUNT  NOTE']);
  });
});

describe('truncate', () => {
  it('keeps text that fits', () => {
    expect(truncate('abc', 3)).toBe('abc');
  });

  it('ends cut text with an ellipsis', () => {
    expect(truncate('abcdef', 4)).toBe('abc…');
  });
});

describe('formatFields', () => {
  it('aligns values after the longest label', () => {
    expect(
      formatFields([
        ['Batch', 'b1'],
        ['Progress', '50%'],
      ]),
    ).toEqual(['Batch     b1', 'Progress  50%']);
  });
});
