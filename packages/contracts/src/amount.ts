import { z } from 'zod';

/** Largest amount any batch item may carry, in major units (one billion). */
export const MAX_AMOUNT = '1000000000.00';

/** Number of minor units in one major unit; amounts have at most two decimals. */
export const MINOR_UNITS_PER_MAJOR = 100;

const CANONICAL_AMOUNT = /^(0|[1-9]\d{0,9})\.\d{2}$/;
const PLAIN_DECIMAL = /^\d+(\.\d+)?$/;

/** The reason a value is not a valid amount, as a sentence fragment for error messages. */
export type AmountProblem =
  | 'not a number'
  | 'not finite'
  | 'not greater than zero'
  | 'more than two decimals'
  | 'above the maximum';

export type AmountResult = { ok: true; amount: string } | { ok: false; problem: AmountProblem };

/**
 * Converts a plain decimal (`"12"`, `"12.5"`, `12.5`) into the canonical string with two
 * decimals (`"12.50"`). Numbers are converted through their shortest decimal form, so no binary
 * floating-point value is ever stored. `maxAmount` is a canonical string and defaults to
 * {@link MAX_AMOUNT}.
 */
export function parseAmount(value: unknown, maxAmount: string = MAX_AMOUNT): AmountResult {
  let text: string;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return { ok: false, problem: 'not finite' };
    // A number whose shortest form has at most two decimals is the nearest double to its minor
    // units divided by 100, so this test accepts exactly those numbers without building strings.
    const minor = Math.round(value * 100);
    if (minor / 100 === value && Number.isSafeInteger(minor)) return checkMinor(minor, maxAmount);
    text = String(value);
    if (text.includes('e')) return exponentProblem(value);
  } else if (typeof value === 'string') {
    text = value.trim();
  } else {
    return { ok: false, problem: 'not a number' };
  }
  if (text.startsWith('-')) {
    return PLAIN_DECIMAL.test(text.slice(1))
      ? { ok: false, problem: 'not greater than zero' }
      : { ok: false, problem: 'not a number' };
  }
  if (!PLAIN_DECIMAL.test(text)) return { ok: false, problem: 'not a number' };

  const [whole = '0', fraction = ''] = text.split('.');
  if (fraction.replace(/0+$/, '').length > 2)
    return { ok: false, problem: 'more than two decimals' };
  const digits = whole.replace(/^0+/, '');
  // Whole parts longer than the maximum's are above it; shorter ones fit a double exactly.
  if (digits.length > maxMinorUnits(maxAmount).wholeDigits) {
    return { ok: false, problem: 'above the maximum' };
  }
  return checkMinor(
    Number(digits || '0') * 100 + Number(fraction.padEnd(2, '0').slice(0, 2)),
    maxAmount,
  );
}

function checkMinor(minor: number, maxAmount: string): AmountResult {
  if (minor <= 0) return { ok: false, problem: 'not greater than zero' };
  if (minor > maxMinorUnits(maxAmount).minor) return { ok: false, problem: 'above the maximum' };
  return { ok: true, amount: formatMinorUnits(minor) };
}

/** Explains a number that JavaScript writes in exponent form: huge, tiny or negative. */
function exponentProblem(value: number): AmountResult {
  if (value <= 0) return { ok: false, problem: 'not greater than zero' };
  return value >= 1
    ? { ok: false, problem: 'above the maximum' }
    : { ok: false, problem: 'more than two decimals' };
}

const maxCache = new Map<string, { minor: number; wholeDigits: number }>();

/**
 * Returns a maximum amount in minor units as a number, cached per string. Amounts stay far below
 * 2^53 minor units, so doubles hold them exactly and parsing needs no BigInt per row.
 */
function maxMinorUnits(maxAmount: string): { minor: number; wholeDigits: number } {
  let limit = maxCache.get(maxAmount);
  if (!limit) {
    const minor = Number(amountToMinorUnits(maxAmount));
    if (!Number.isSafeInteger(minor))
      throw new RangeError(`maximum amount ${maxAmount} is too large`);
    limit = { minor, wholeDigits: String(Math.floor(minor / 100)).length };
    maxCache.set(maxAmount, limit);
  }
  return limit;
}

function formatMinorUnits(minor: number): string {
  const fraction = minor % 100;
  return `${(minor - fraction) / 100}.${fraction < 10 ? '0' : ''}${fraction}`;
}

/** Converts a canonical amount string into integer minor units (cents). */
export function amountToMinorUnits(amount: string): bigint {
  const [whole = '0', fraction = '00'] = amount.split('.');
  return BigInt(whole) * 100n + BigInt(fraction.padEnd(2, '0').slice(0, 2));
}

/** Converts integer minor units into the canonical amount string. */
export function minorUnitsToAmount(minor: bigint): string {
  const whole = minor / 100n;
  const fraction = (minor % 100n).toString().padStart(2, '0');
  return `${whole}.${fraction}`;
}

/**
 * An amount on the wire: a decimal string with exactly two decimals, greater than zero and at
 * most {@link MAX_AMOUNT}.
 */
export const amountSchema = z
  .string()
  .regex(CANONICAL_AMOUNT, 'must be a decimal string with two decimals, such as "12.50"')
  .refine((value) => {
    const minor = Number(value.replace('.', ''));
    return minor > 0 && minor <= maxMinorUnits(MAX_AMOUNT).minor;
  }, `must be greater than 0 and at most ${MAX_AMOUNT}`);

/**
 * An amount as clients send it: a JSON number or a decimal string. The output is the canonical
 * string.
 */
export const amountInputSchema = z.union([z.number(), z.string()]).transform((value, ctx) => {
  const result = parseAmount(value);
  if (!result.ok) {
    ctx.addIssue({ code: 'custom', message: `amount ${String(value)} is ${result.problem}` });
    return z.NEVER;
  }
  return result.amount;
});
