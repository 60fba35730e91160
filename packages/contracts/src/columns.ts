/**
 * Normalises a column name the way imports match headers: case, surrounding spaces and `_`
 * versus space do not matter, so `Order URL`, ` order_url ` and `ORDER  URL` are one column.
 * Exports use the same rule to find the required columns among a batch's original headers.
 */
export function normalizeColumnName(name: string): string {
  return name
    .trim()
    .toLowerCase()
    .replace(/[\s_]+/g, ' ');
}
