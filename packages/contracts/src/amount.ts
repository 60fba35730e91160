import { z } from 'zod';

/** Largest amount any batch item may carry, in major units (one billion). */
export const MAX_AMOUNT = '1000000000.00';

/** Number of minor units in one major unit; amounts have at most two decimals. */
export const MINOR_UNITS_PER_MAJOR = 100;

const CANONICAL_AMOUNT = /^(0|[1-9]\d{0,9})\.\d{2}$/;
const PLAIN_DECIMAL = /^\d+(\.\d+)?$/;

/** Why a value is not a valid amount, as a sentence fragment for error messages. */
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
    text = String(value);
    if (text.includes('e')) {
      return value > 0
        ? { ok: false, problem: 'above the maximum' }
        : { ok: false, problem: 'more than two decimals' };
    }
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
  const minor = BigInt(whole) * 100n + BigInt(fraction.padEnd(2, '0').slice(0, 2));
  if (minor <= 0n) return { ok: false, problem: 'not greater than zero' };
  if (minor > amountToMinorUnits(maxAmount)) return { ok: false, problem: 'above the maximum' };
  return { ok: true, amount: minorUnitsToAmount(minor) };
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
    const minor = amountToMinorUnits(value);
    return minor > 0n && minor <= amountToMinorUnits(MAX_AMOUNT);
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
