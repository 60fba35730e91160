/** Maximum characters of the value that a row error shows. */
export const MAX_ROW_ERROR_VALUE_CHARS = 200;

/** Shortens text to at most `maxChars` characters, marking the cut with an ellipsis. */
export function shortenText(text: string, maxChars: number): string {
  return text.length <= maxChars ? text : `${text.slice(0, maxChars - 1)}…`;
}
