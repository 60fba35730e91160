import type { ImportedItem } from '@orderflow/contracts';

/** Characters that JSON.stringify escapes inside a string. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: JSON escapes exactly these characters.
const NEEDS_ESCAPE = /["\\\u0000-\u001f\u2028\u2029]|[\ud800-\udfff]/;

/**
 * Bytes of an item's JSON without its three string values (quotes included), its two numbers
 * and its extra columns: the keys, colons, commas and braces.
 */
const ITEM_FRAME_BYTES =
  Buffer.byteLength(
    JSON.stringify({ itemId: '', index: 0, row: 0, orderUrl: '', amount: '', extra: {} }),
  ) -
  3 * 2 -
  2;

/** Returns the UTF-8 bytes of a string's JSON form, quotes included. */
function jsonStringBytes(text: string): number {
  if (!NEEDS_ESCAPE.test(text)) return Buffer.byteLength(text) + 2;
  return Buffer.byteLength(JSON.stringify(text));
}

/**
 * Returns the UTF-8 bytes of `JSON.stringify(item)` without building the string: the chunker
 * sizes every item, and measuring the parts is several times cheaper than serialising them.
 * Strings with characters that JSON escapes are measured through JSON.stringify.
 */
export function itemJsonBytes(item: ImportedItem): number {
  let bytes = ITEM_FRAME_BYTES;
  bytes += jsonStringBytes(item.itemId) + jsonStringBytes(item.orderUrl);
  bytes += jsonStringBytes(item.amount) + String(item.index).length + String(item.row).length;
  let pairs = 0;
  for (const key in item.extra) {
    bytes += jsonStringBytes(key) + 1 + jsonStringBytes(item.extra[key] ?? '');
    pairs += 1;
  }
  return pairs > 0 ? bytes + pairs - 1 : bytes;
}
