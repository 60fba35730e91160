/** A number token with optional grouping: `1,234.50`, `1.234,50`, `1 234,50`, `1'234.50`. */
const NUMBER_TOKEN = /\d(?:[\d.,'\s\u00a0\u202f]*\d)?/;

/**
 * Reads the first amount in text such as `$1,234.50`, `1.234,50 €` or `EUR 12` and returns it in
 * minor units (cents). The last `.` or `,` is the decimal separator when one or two digits
 * follow it; any other separator groups thousands. Returns undefined when the text has no
 * number or more than two decimals.
 */
export function parseShownAmount(text: string): bigint | undefined {
  const token = NUMBER_TOKEN.exec(text)?.[0];
  if (!token) return undefined;
  const compact = token.replace(/[\s\u00a0\u202f']/g, '');
  const decimalMatch = /[.,](\d{1,2})$/.exec(compact);
  const wholePart = decimalMatch ? compact.slice(0, decimalMatch.index) : compact;
  const whole = wholePart.replace(/[.,]/g, '');
  if (!/^\d+$/.test(whole)) return undefined;
  const fraction = (decimalMatch?.[1] ?? '').padEnd(2, '0');
  return BigInt(whole) * 100n + BigInt(fraction);
}
