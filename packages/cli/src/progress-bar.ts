import { type BatchSummary, displayStatus, progressPercent } from './batch-summary';

/** Characters of the bar: filled and empty cells. */
export interface BarCharacters {
  filled: string;
  empty: string;
}

/** Bar drawn with ASCII, for logs and terminals of unknown fonts. */
export const ASCII_BAR: BarCharacters = { filled: '#', empty: '-' };

/** Bar drawn with block characters, for terminals. */
export const BLOCK_BAR: BarCharacters = { filled: '█', empty: '░' };

/** Cells of the bar between its brackets. */
export const DEFAULT_BAR_WIDTH = 30;

/**
 * Draws `[####------]` with `width` cells, filled in proportion to `done` of `total`. Rounds
 * down, so that the bar is full only when every item is done.
 */
export function renderBar(
  done: number,
  total: number,
  width = DEFAULT_BAR_WIDTH,
  characters: BarCharacters = ASCII_BAR,
): string {
  const ratio = total > 0 ? Math.min(1, Math.max(0, done / total)) : 0;
  const filled = Math.floor(ratio * width);
  return `[${characters.filled.repeat(filled)}${characters.empty.repeat(width - filled)}]`;
}

/**
 * Formats one progress line of a batch: status, bar, percent, items done of total, and the
 * counts that are not zero, such as
 * `processing [#########---------------------]  30%  30/100  success 28  failed 2  processing 5`.
 */
export function formatProgressLine(
  summary: BatchSummary,
  characters: BarCharacters = ASCII_BAR,
  width = DEFAULT_BAR_WIDTH,
): string {
  const percent = `${progressPercent(summary)}%`.padStart(4);
  const counts = (['success', 'failed', 'skipped', 'processing'] as const)
    .filter((status) => summary.counts[status] > 0)
    .map((status) => `${status} ${summary.counts[status]}`);
  return [
    displayStatus(summary),
    renderBar(summary.doneItems, summary.totalItems, width, characters),
    percent,
    `${summary.doneItems}/${summary.totalItems}`,
    ...counts,
  ].join('  ');
}
