/** Amount notation of a shop page: `us` prints `$1,234.50`, `eu` prints `1.234,50 €`. */
export type AmountFormat = 'us' | 'eu';

/** Prints a canonical amount (`"1234.50"`) the way a shop page shows it. */
export function formatAmount(amount: string, format: AmountFormat): string {
  const [whole = '0', fraction = '00'] = amount.split('.');
  const separator = format === 'eu' ? '.' : ',';
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, separator);
  return format === 'eu' ? `${grouped},${fraction} €` : `$${grouped}.${fraction}`;
}

/** Adds one major unit to a canonical amount, for the `mismatch` variant. */
export function addOneUnit(amount: string): string {
  const [whole = '0', fraction = '00'] = amount.split('.');
  return `${BigInt(whole) + 1n}.${fraction}`;
}

/** Returns the amount when it is a canonical decimal with two places, otherwise the fallback. */
export function canonicalAmountOr(value: string | null, fallback: string): string {
  return value && /^\d{1,10}\.\d{2}$/.test(value) ? value : fallback;
}
