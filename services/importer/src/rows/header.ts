import { normalizeColumnName } from '@orderflow/contracts';
/** Names of the columns every import needs, as the legacy interface spells them. */
export const REQUIRED_COLUMNS = { orderUrl: 'order_url', amount: 'amount' } as const;

/** Rows at the top of a sheet or CSV file that are searched for the header row. */
export const HEADER_SEARCH_ROWS = 10;

/** Extra columns kept per import; further columns are ignored, so that events stay small. */
export const MAX_EXTRA_COLUMNS = 100;

/** Maximum characters of a header name; longer names are cut. */
export const MAX_HEADER_CHARS = 200;

/** Column positions of a table, 0-based or 1-based as the reader counts. */
export interface HeaderMap {
  orderUrl: number;
  amount: number;
  /** Extra columns with the unique name they are stored under. */
  extras: Array<{ position: number; name: string }>;
  /** Header names in file order, extra columns included. */
  columns: string[];
}

/** Normalises a header name: case, surrounding spaces and `_` versus space do not matter. */
export const normalizeHeader = normalizeColumnName;

const ORDER_URL_KEY = normalizeHeader(REQUIRED_COLUMNS.orderUrl);
const AMOUNT_KEY = normalizeHeader(REQUIRED_COLUMNS.amount);

/**
 * Matches one row of header cells, given as position and text in file order. Returns undefined
 * when the row lacks `order_url` or `amount`. Empty header cells drop their column; a repeated
 * extra name is stored as `name (2)`. Only the first {@link MAX_EXTRA_COLUMNS} extra columns
 * are kept.
 */
export function matchHeader(
  cells: Array<{ position: number; text: string }>,
): HeaderMap | undefined {
  let orderUrl: number | undefined;
  let amount: number | undefined;
  const extras: HeaderMap['extras'] = [];
  const columns: string[] = [];
  const seen = new Map<string, number>();

  for (const { position, text } of cells) {
    const name = text.trim().slice(0, MAX_HEADER_CHARS);
    if (name.length === 0) continue;
    const key = normalizeHeader(name);
    if (key === ORDER_URL_KEY && orderUrl === undefined) {
      orderUrl = position;
    } else if (key === AMOUNT_KEY && amount === undefined) {
      amount = position;
    } else {
      if (extras.length >= MAX_EXTRA_COLUMNS) continue;
      const count = (seen.get(key) ?? 0) + 1;
      seen.set(key, count);
      const unique = count === 1 ? name : `${name} (${count})`;
      extras.push({ position, name: unique });
      columns.push(unique);
      continue;
    }
    columns.push(name);
  }

  if (orderUrl === undefined || amount === undefined) return undefined;
  return { orderUrl, amount, extras, columns };
}

/** Names the required columns a header row lacks, for the missing-column error. */
export function missingColumns(headerTexts: string[]): string[] {
  const keys = new Set(headerTexts.map(normalizeHeader));
  return Object.values(REQUIRED_COLUMNS).filter((name) => !keys.has(normalizeHeader(name)));
}

/** The best header candidate seen so far, kept to explain a missing column. */
interface HeaderCandidate {
  row: number;
  sheet?: string;
  texts: string[];
  missing: string[];
}

/**
 * Tracks the header search across sheets. When no row has both required columns, it names the
 * row that came closest, so the error shows the user what the file contains instead.
 */
export class HeaderSearch {
  private best: HeaderCandidate | undefined;

  /** Tries one row; returns the header map when the row has both required columns. */
  consider(
    row: number,
    cells: Array<{ position: number; text: string }>,
    sheet?: string,
  ): HeaderMap | undefined {
    const texts = cells.map((cell) => cell.text.trim()).filter((text) => text.length > 0);
    if (texts.length === 0) return undefined;
    const header = matchHeader(cells);
    if (header) return header;

    const missing = missingColumns(texts);
    if (!this.best || missing.length < this.best.missing.length) {
      this.best = { row, texts, missing, ...(sheet === undefined ? {} : { sheet }) };
    }
    return undefined;
  }

  /** Describes why no header was found, for the rejection message. */
  describeFailure(): { missing: string[]; message: string; row?: number } {
    const required = Object.values(REQUIRED_COLUMNS);
    const expected = `a header row with the columns ${required.join(' and ')} within its first ${HEADER_SEARCH_ROWS} rows`;
    if (!this.best) {
      return { missing: required, message: `The file has no rows; it needs ${expected}` };
    }
    const where = this.best.sheet === undefined ? '' : ` of sheet "${this.best.sheet}"`;
    const found = this.best.texts.slice(0, 20).join(', ');
    return {
      missing: this.best.missing,
      row: this.best.row,
      message:
        `No header row has the ${this.best.missing.length > 1 ? 'columns' : 'column'} ` +
        `${this.best.missing.join(' and ')}: the closest, row ` +
        `${this.best.row}${where}, has ${found}. The import needs ${expected}`,
    };
  }
}
