import { shortenText } from '@orderflow/contracts';

/**
 * A cell in the importer's terms, whatever the source: a workbook cell, a CSV field or a JSON
 * value. Text is already trimmed, and an empty or whitespace-only cell is `empty`.
 */
export type CellValue =
  | { kind: 'empty' }
  | { kind: 'text'; text: string }
  | { kind: 'number'; value: number }
  | { kind: 'boolean'; value: boolean }
  /** A number the workbook formats as a date or time; `text` is its ISO 8601 form. */
  | { kind: 'date'; text: string }
  /** An error value such as `#N/A`, typed or left by a formula. */
  | { kind: 'error'; text: string }
  /** A formula saved without its calculated result. */
  | { kind: 'no_result'; formula: string }
  /** A value longer than IMPORT_MAX_CELL_CHARS; `preview` is its start. */
  | { kind: 'too_long'; length: number; preview: string };

export const EMPTY_CELL: CellValue = { kind: 'empty' };

/** Builds a text cell, trimming it, or an empty or too-long cell. */
export function textCell(raw: string, maxChars: number): CellValue {
  const text = raw.trim();
  if (text.length === 0) return EMPTY_CELL;
  if (text.length > maxChars)
    return { kind: 'too_long', length: text.length, preview: text.slice(0, 80) };
  return { kind: 'text', text };
}

/** Returns the cell as the text a user would recognise, for extra columns and error messages. */
export function cellText(cell: CellValue): string {
  switch (cell.kind) {
    case 'empty':
      return '';
    case 'text':
    case 'date':
    case 'error':
      return cell.text;
    case 'number':
      return String(cell.value);
    case 'boolean':
      return cell.value ? 'TRUE' : 'FALSE';
    case 'no_result':
      return `=${cell.formula}`;
    case 'too_long':
      return cell.preview;
  }
}

/** Maximum characters of a value shown in an error. */
const MAX_SHOWN_CHARS = 80;

/** Shortens a value for an error message, marking the cut with an ellipsis. */
export function shortenValue(text: string): string {
  return shortenText(text, MAX_SHOWN_CHARS);
}
