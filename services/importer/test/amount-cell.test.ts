import { describe, expect, it } from 'vitest';
import { normalizeAmountText, readAmountCell } from '../src/rows/amount-cell';

const MAX = '1000000000.00';

describe('normalizeAmountText', () => {
  const accepted: Array<[string, string]> = [
    ['12', '12'],
    ['12.5', '12.5'],
    ['12,50', '12.50'],
    ['1.299,00', '1299.00'],
    ['1,299.00', '1299.00'],
    ['1,299,000', '1299000'],
    ['1.299.000,5', '1299000.5'],
    ['1 299,00', '1299.00'],
    ['1\u00a0299,00', '1299.00'],
    ["1'299.00", '1299.00'],
    ['€12,50', '12.50'],
    ['12.50 €', '12.50'],
    ['USD 12.50', '12.50'],
    ['12.50 eur', '12.50'],
    ['0,500', '0.500'],
    ['-5', '-5'],
    ['-€5', '-5'],
    ['€ -5', '-5'],
  ];
  for (const [text, decimal] of accepted) {
    it(`reads ${JSON.stringify(text)}`, () => {
      expect(normalizeAmountText(text)).toEqual({ ok: true, decimal });
    });
  }

  const rejected: Array<[string, string]> = [
    ['1,299', 'ambiguous'],
    ['1.299', 'ambiguous'],
    ['12.345', 'ambiguous'],
    ['1,29,9', 'not a number'],
    ['1.299,00.5', 'not a number'],
    ['12 ABC', 'not a number'],
    ['1 29', 'not a number'],
    ['twelve', 'not a number'],
    ['€', 'not a number'],
    ['(12.00)', 'not a number'],
  ];
  for (const [text, expected] of rejected) {
    it(`rejects ${JSON.stringify(text)}`, () => {
      const result = normalizeAmountText(text);
      expect(result.ok).toBe(false);
      expect(result.ok ? '' : result.description).toContain(expected);
    });
  }
});

describe('readAmountCell', () => {
  it('keeps 15 significant digits of numbers', () => {
    expect(readAmountCell({ kind: 'number', value: 13.200000000000001 }, MAX)).toEqual({
      ok: true,
      amount: '13.20',
    });
  });

  it('rejects more than two decimals', () => {
    const result = readAmountCell({ kind: 'number', value: 1.234 }, MAX);
    expect(result.ok ? '' : result.description).toContain('more than two decimals');
  });

  it('rejects amounts above the maximum', () => {
    const result = readAmountCell({ kind: 'text', text: '5000.01' }, '5000.00');
    expect(result.ok ? '' : result.description).toContain('above the maximum of 5000.00');
  });

  it('rejects zero and negative amounts', () => {
    for (const text of ['0', '-3', '-€3,00']) {
      const result = readAmountCell({ kind: 'text', text }, MAX);
      expect(result.ok ? '' : result.description).toContain('greater than zero');
    }
  });

  it('rejects dates, errors and booleans', () => {
    expect(readAmountCell({ kind: 'date', text: '2024-03-01' }, MAX).ok).toBe(false);
    expect(readAmountCell({ kind: 'error', text: '#N/A' }, MAX).ok).toBe(false);
    expect(readAmountCell({ kind: 'boolean', value: true }, MAX).ok).toBe(false);
  });
});
