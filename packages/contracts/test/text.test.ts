import { describe, expect, it } from 'vitest';
import { shortenText } from '../src/text';

describe('shortenText', () => {
  it('keeps text within the limit', () => {
    expect(shortenText('abcde', 5)).toBe('abcde');
  });

  it('cuts longer text with an ellipsis', () => {
    const shortened = shortenText('abcdef', 5);

    expect(shortened).toBe('abcd…');
    expect(shortened).toHaveLength(5);
  });
});
