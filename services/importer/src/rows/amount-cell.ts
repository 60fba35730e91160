import type { RowError } from '@orderflow/contracts';
import { type AmountProblem, parseAmount } from '@orderflow/contracts';
import type { CellValue } from './cell-value';

/** Outcome of reading an amount cell. */
export type AmountCheck =
  | { ok: true; amount: string }
  | { ok: false; problem: RowError['problem']; description: string };

/** Significant digits of a number cell that count; Excel displays at most 15. */
const SIGNIFICANT_DIGITS = 15;

const CURRENCY_CODES = new Set(Intl.supportedValuesOf('currency'));
const CURRENCY_SYMBOL = /^\p{Sc}$/u;
/** Space-like characters and apostrophes that some locales put between groups of thousands. */
const GROUP_SPACE = /[\s\u00a0\u2009\u202f'’]/;
const GROUP_SPACES = new RegExp(GROUP_SPACE.source, 'g');

const PROBLEM_WORDING: Record<AmountProblem, string> = {
  'not a number': 'is not a number',
  'not finite': 'is not a finite number',
  'not greater than zero': 'must be greater than zero',
  'more than two decimals': 'has more than two decimals',
  'above the maximum': 'is above the maximum',
};

function invalid(description: string): AmountCheck {
  return { ok: false, problem: 'invalid_amount', description };
}

function fromParse(value: string | number, maxAmount: string): AmountCheck {
  const result = parseAmount(value, maxAmount);
  if (result.ok) return result;
  const suffix = result.problem === 'above the maximum' ? ` of ${maxAmount}` : '';
  return invalid(`the amount ${PROBLEM_WORDING[result.problem]}${suffix}`);
}

/**
 * Reads an amount cell. Numbers keep 15 significant digits, so a formula result such as
 * 13.200000000000001 counts as 13.20. Text follows {@link normalizeAmountText}. Dates,
 * booleans, error values and formulas without a saved result are rejected.
 */
export function readAmountCell(cell: CellValue, maxAmount: string): AmountCheck {
  switch (cell.kind) {
    case 'empty':
      return { ok: false, problem: 'missing_value', description: 'the amount is empty' };
    case 'number':
      if (!Number.isFinite(cell.value)) return invalid('the amount is not a finite number');
      return fromParse(Number(cell.value.toPrecision(SIGNIFICANT_DIGITS)), maxAmount);
    case 'text': {
      const normalized = normalizeAmountText(cell.text);
      if (!normalized.ok) return invalid(normalized.description);
      return fromParse(normalized.decimal, maxAmount);
    }
    case 'date':
      return invalid(
        'the cell is formatted as a date or time, so its number is not a reliable amount; ' +
          'format the amount column as Number and enter the amount again',
      );
    case 'boolean':
      return invalid('the amount is TRUE or FALSE, not a number');
    case 'error':
      return invalid(`the cell shows the error ${cell.text}; fix the formula or type the amount`);
    case 'no_result':
      return {
        ok: false,
        problem: 'formula_without_result',
        description:
          'the formula has no saved result; open the file in Excel or LibreOffice, ' +
          'let it calculate, and save it again',
      };
    case 'too_long':
      return { ok: false, problem: 'cell_too_long', description: 'the amount is too long' };
  }
}

/** Outcome of {@link normalizeAmountText}. */
export type NormalizedAmount = { ok: true; decimal: string } | { ok: false; description: string };

function stripCurrency(text: string): string {
  let rest = text.trim();
  const leading = /^(\p{Sc}|[A-Za-z]{3})\s*/u.exec(rest);
  if (leading && isCurrency(leading[1] ?? '')) rest = rest.slice(leading[0].length);
  const trailing = /\s*(\p{Sc}|[A-Za-z]{3})$/u.exec(rest);
  if (trailing && isCurrency(trailing[1] ?? '')) rest = rest.slice(0, -trailing[0].length);
  return rest.trim();
}

function isCurrency(token: string): boolean {
  return CURRENCY_SYMBOL.test(token) || CURRENCY_CODES.has(token.toUpperCase());
}

/**
 * Turns amount text into a plain decimal (`"1299.00"`), by these rules:
 * - one currency symbol or ISO 4217 code before or after the number is dropped (`€ 12,50`,
 *   `12.50 USD`). A minus before or after the currency makes the amount negative, which is
 *   then rejected;
 * - spaces, non-breaking spaces and apostrophes separate groups of exactly three digits;
 * - when both `.` and `,` occur, the last one is the decimal separator and the other groups
 *   thousands, so `1.299,00` and `1,299.00` are both 1299.00;
 * - one separator kind repeated (`1,299,000`) groups thousands;
 * - a single separator followed by one, two or more than three digits is the decimal separator
 *   (`12,5` is 12.50);
 * - a single separator followed by exactly three digits (`1,299` or `1.299`) is ambiguous and
 *   rejected, unless the digits before it are `0`.
 */
export function normalizeAmountText(text: string): NormalizedAmount {
  const { negative, number } = splitSignAndCurrency(text);
  const decimal = GROUP_SPACE.test(number) ? groupedToDecimal(number) : separatorsToDecimal(number);
  if (!decimal.ok || !negative) return decimal;
  return { ok: true, decimal: `-${decimal.decimal}` };
}

const MINUS = /^[-\u2212]\s*/;

function splitSignAndCurrency(text: string): { negative: boolean; number: string } {
  let rest = text.trim();
  let negative = MINUS.test(rest);
  rest = stripCurrency(rest.replace(MINUS, ''));
  if (!negative && MINUS.test(rest)) {
    negative = true;
    rest = rest.replace(MINUS, '');
  }
  return { negative, number: rest };
}

const NOT_A_NUMBER: NormalizedAmount = { ok: false, description: 'the amount is not a number' };

function groupedToDecimal(text: string): NormalizedAmount {
  if (!/^\d{1,3}(?:[\s\u00a0\u2009\u202f'’]\d{3})+(?:[.,]\d+)?$/.test(text)) return NOT_A_NUMBER;
  return { ok: true, decimal: text.replace(GROUP_SPACES, '').replace(',', '.') };
}

function separatorsToDecimal(text: string): NormalizedAmount {
  const notNumber = NOT_A_NUMBER;
  if (/^\d+$/.test(text)) return { ok: true, decimal: text };
  if (!/^\d[\d.,]*\d$|^\d+[.,]$|^[.,]\d+$/.test(text)) return notNumber;

  const last = Math.max(text.lastIndexOf('.'), text.lastIndexOf(','));
  const lastSeparator = text[last];
  const otherSeparator = lastSeparator === '.' ? ',' : '.';
  const hasBoth = text.includes(otherSeparator);
  const count = text.split(lastSeparator ?? '').length - 1;

  if (hasBoth) {
    const grouping = new RegExp(`^\\d{1,3}(?:\\${otherSeparator}\\d{3})*\\${lastSeparator}\\d*$`);
    if (!grouping.test(text) || count > 1) return notNumber;
    const [whole = '', fraction = ''] = text.split(lastSeparator ?? '');
    return { ok: true, decimal: `${whole.split(otherSeparator).join('')}.${fraction || '0'}` };
  }
  if (count > 1) {
    const grouping = new RegExp(`^\\d{1,3}(?:\\${lastSeparator}\\d{3})+$`);
    return grouping.test(text)
      ? { ok: true, decimal: text.split(lastSeparator ?? '').join('') }
      : notNumber;
  }

  const [whole = '', fraction = ''] = text.split(lastSeparator ?? '');
  if (fraction.length === 3 && whole !== '0' && whole !== '' && whole.length <= 3) {
    return {
      ok: false,
      description:
        `the amount is ambiguous because "${lastSeparator}" may separate thousands or decimals; ` +
        'write a whole number without separators (1299), or give two decimals (1,299.00 or 1.299,00)',
    };
  }
  return { ok: true, decimal: `${whole || '0'}.${fraction || '0'}` };
}
