import { describe, expect, it } from 'vitest';
import { matchesGlob } from '../src/index';

describe('matchesGlob', () => {
  it.each([
    ['shop.example.com', 'shop.example.com', true],
    ['Shop.Example.com', ' *.example.COM ', true],
    ['example.com', '*.example.com', false],
    ['shopXexample.com', 'shop.example.com', false],
    ['/orders/7', '/orders/*', true],
    ['/orders/(7)', '/orders/(*)', true],
    ['/account/7', '/orders/*', false],
  ])('matches %s against %j: %s', (text, glob, expected) => {
    expect(matchesGlob(text, glob)).toBe(expected);
  });

  it('gives the same answer when a compiled glob is reused', () => {
    expect(matchesGlob('a.example.com', '*.example.com')).toBe(true);
    expect(matchesGlob('a.example.org', '*.example.com')).toBe(false);
    expect(matchesGlob('b.example.com', '*.example.com')).toBe(true);
  });
});
