import { describe, expect, it } from 'vitest';
import { amountInputSchema, amountSchema, amountToMinorUnits, parseAmount } from '../src/index';

describe('parseAmount', () => {
  it.each([
    ['12', '12.00'],
    ['12.5', '12.50'],
    ['0.01', '0.01'],
    [' 7.10 ', '7.10'],
    ['12.500', '12.50'],
    [12.5, '12.50'],
    [0.1, '0.10'],
    [1000000000, '1000000000.00'],
    [0.29, '0.29'],
    [19.99, '19.99'],
    [999999999.99, '999999999.99'],
  ])('accepts %j as %s', (input, expected) => {
    expect(parseAmount(input)).toEqual({ ok: true, amount: expected });
  });

  it.each([
    ['abc', 'not a number'],
    ['', 'not a number'],
    ['1,5', 'not a number'],
    ['0', 'not greater than zero'],
    ['0.00', 'not greater than zero'],
    ['-3', 'not greater than zero'],
    [-3, 'not greater than zero'],
    ['1.234', 'more than two decimals'],
    [1.234, 'more than two decimals'],
    [Number.NaN, 'not finite'],
    [Number.POSITIVE_INFINITY, 'not finite'],
    ['1000000000.01', 'above the maximum'],
    [1e21, 'above the maximum'],
    [1000000000.01, 'above the maximum'],
    [1e-7, 'more than two decimals'],
    [1.005, 'more than two decimals'],
    [-1e21, 'not greater than zero'],
    [-0, 'not greater than zero'],
    [null, 'not a number'],
    [true, 'not a number'],
  ])('rejects %j as %s', (input, problem) => {
    expect(parseAmount(input)).toEqual({ ok: false, problem });
  });

  it('reads a number the way it reads the number written out', () => {
    // Every cent value up to 3,000.00, and every value with a third decimal up to 30.000.
    const values = [
      ...Array.from({ length: 300_000 }, (_, index) => (index + 1) / 100),
      ...Array.from({ length: 30_000 }, (_, index) => (index + 1) / 1_000),
    ];
    const differing = values.filter((value) => {
      const fromNumber = parseAmount(value);
      const fromText = parseAmount(String(value));
      return JSON.stringify(fromNumber) !== JSON.stringify(fromText);
    });
    expect(differing).toEqual([]);
  });

  it('honours a lower maximum', () => {
    expect(parseAmount('500.01', '500.00')).toEqual({ ok: false, problem: 'above the maximum' });
    expect(parseAmount('500', '500.00')).toEqual({ ok: true, amount: '500.00' });
  });
});

describe('amountSchema', () => {
  it('accepts canonical strings only', () => {
    expect(amountSchema.safeParse('12.50').success).toBe(true);
    expect(amountSchema.safeParse('12.5').success).toBe(false);
    expect(amountSchema.safeParse(12.5).success).toBe(false);
    expect(amountSchema.safeParse('0.00').success).toBe(false);
    expect(amountSchema.safeParse('1000000000.01').success).toBe(false);
  });

  it('converts to exact minor units', () => {
    expect(amountToMinorUnits('0.29')).toBe(29n);
    expect(amountToMinorUnits('1000000000.00')).toBe(100000000000n);
  });
});

describe('amountInputSchema', () => {
  it('normalises numbers and strings', () => {
    expect(amountInputSchema.parse(19.9)).toBe('19.90');
    expect(amountInputSchema.parse('19.9')).toBe('19.90');
  });

  it('names the value in its error', () => {
    const result = amountInputSchema.safeParse('12.345');
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.message).toBe('amount 12.345 is more than two decimals');
  });
});
