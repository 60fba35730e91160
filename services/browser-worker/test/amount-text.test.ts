import { describe, expect, it } from 'vitest';
import { parseShownAmount } from '../src/recipes/amount-text';

describe('parseShownAmount', () => {
  it.each([
    ['$1,234.50', 123_450n],
    ['1.234,50 €', 123_450n],
    ['EUR 1 234,50', 123_450n],
    ["CHF 1'234.50", 123_450n],
    ['Total: 12.5', 1_250n],
    ['£12', 1_200n],
    ['1,234', 123_400n],
    ['1.234.567,89 EUR', 123_456_789n],
    ['Amount due: $0.99 incl. tax', 99n],
    ['12\u00a0345,00 €', 1_234_500n],
  ])('reads %s', (text, minorUnits) => {
    expect(parseShownAmount(text)).toBe(minorUnits);
  });

  it.each(['', 'free', 'call us'])('finds no amount in "%s"', (text) => {
    expect(parseShownAmount(text)).toBeUndefined();
  });
});
