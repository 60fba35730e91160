import type { BatchSummary } from './batch-summary';
import type { Output } from './output';
import { ASCII_BAR, BLOCK_BAR, formatProgressLine } from './progress-bar';
import { truncate } from './table';

/** Minimum time between two progress lines when the output is not a terminal. */
export const LOG_LINE_INTERVAL_MS = 2_000;

const CLEAR_LINE = '\r\u001b[2K';

/**
 * Shows the progress of a batch. On a terminal it redraws one line in place; elsewhere (a pipe,
 * a log file) it writes a new line when the status changes, and otherwise at most one line per
 * {@link LOG_LINE_INTERVAL_MS}, so that logs stay short.
 */
export class ProgressDisplay {
  private lastLine = '';
  private lastStatus = '';
  private lastWrittenAt = 0;
  private readonly interactive: boolean;

  constructor(
    private readonly out: Output,
    private readonly now: () => number = Date.now,
  ) {
    this.interactive = out.stdout.isTTY === true;
  }

  /** Shows the current state, unless it looks the same as what is shown already. */
  update(summary: BatchSummary): void {
    const line = formatProgressLine(summary, this.interactive ? BLOCK_BAR : ASCII_BAR);
    if (line === this.lastLine) return;

    if (this.interactive) {
      this.out.stdout.write(`${CLEAR_LINE}${this.fitToTerminal(line)}`);
    } else {
      const statusChanged = summary.status !== this.lastStatus;
      if (!statusChanged && this.now() - this.lastWrittenAt < LOG_LINE_INTERVAL_MS) return;
      this.out.line(line);
      this.lastWrittenAt = this.now();
    }
    this.lastLine = line;
    this.lastStatus = summary.status;
  }

  /** Shows the final state and ends the line. */
  finish(summary: BatchSummary): void {
    const line = formatProgressLine(summary, this.interactive ? BLOCK_BAR : ASCII_BAR);
    if (this.interactive) this.out.stdout.write(`${CLEAR_LINE}${this.fitToTerminal(line)}\n`);
    else if (line !== this.lastLine) this.out.line(line);
    this.lastLine = line;
  }

  /** Cuts a line to the terminal width, because a wrapped line cannot be redrawn in place. */
  private fitToTerminal(line: string): string {
    const columns = this.out.stdout.columns;
    return columns !== undefined && columns > 1 ? truncate(line, columns - 1) : line;
  }

  /** Ends the redrawn line, so that a message printed next starts on a line of its own. */
  interrupt(): void {
    if (this.interactive && this.lastLine !== '') this.out.stdout.write('\n');
    this.lastLine = '';
  }
}
