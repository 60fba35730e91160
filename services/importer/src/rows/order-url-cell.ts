import type { RowError } from '@orderflow/contracts';
import { type AddressPolicy, checkOrderUrl } from '@orderflow/url-policy';
import { type CellValue, cellText } from './cell-value';

/** Outcome of reading an order link cell; `url` is the link in WHATWG normal form. */
export type OrderUrlCheck =
  | { ok: true; url: string }
  | { ok: false; problem: RowError['problem']; description: string };

/**
 * Reads an order link: text (or a hyperlink target, which the readers put in the text) checked
 * against the address policy without DNS. A name may resolve differently by the time a browser
 * opens the link, so resolved addresses are checked where the link is opened.
 */
export function readOrderUrlCell(cell: CellValue, policy: AddressPolicy): OrderUrlCheck {
  switch (cell.kind) {
    case 'empty':
      return { ok: false, problem: 'missing_value', description: 'the order link is empty' };
    case 'text': {
      const check = checkOrderUrl(cell.text, policy);
      if (check.ok) return { ok: true, url: check.url.href };
      // checkOrderUrl does no DNS look-up, so a host that does not resolve never shows up here.
      const problem = check.problem === 'blocked_address' ? 'blocked_address' : 'invalid_url';
      return { ok: false, problem, description: check.message };
    }
    case 'no_result':
      return {
        ok: false,
        problem: 'formula_without_result',
        description:
          'the formula has no saved result; open the file in Excel or LibreOffice, ' +
          'let it calculate, and save it again',
      };
    case 'too_long':
      return {
        ok: false,
        problem: 'cell_too_long',
        description: `the order link is ${cell.length} characters long, above IMPORT_MAX_CELL_CHARS`,
      };
    default:
      return {
        ok: false,
        problem: 'invalid_url',
        description: `${cellText(cell)} is not a link; use a full link such as https://shop.example.com/orders/1`,
      };
  }
}
