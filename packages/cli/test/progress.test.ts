import { describe, expect, it } from 'vitest';
import {
  displayStatus,
  progressPercent,
  readItemCounts,
  summarizeBatch,
} from '../src/batch-summary';
import { Output, type TextSink } from '../src/output';
import { BLOCK_BAR, formatProgressLine, renderBar } from '../src/progress-bar';
import { LOG_LINE_INTERVAL_MS, ProgressDisplay } from '../src/progress-display';

function batch(overrides: Record<string, unknown> = {}) {
  return {
    id: 'b1',
    name: 'March',
    status: 'processing',
    paused: false,
    total_items: 10,
    counts: { pending: 4, processing: 2, success: 3, failed: 1, skipped: 0 },
    ...overrides,
  };
}

describe('renderBar', () => {
  it('fills cells in proportion', () => {
    expect(renderBar(5, 10, 10)).toBe('[#####-----]');
  });

  it('fills the bar only when everything is done', () => {
    expect(renderBar(99, 100, 10)).toBe('[#########-]');
    expect(renderBar(100, 100, 10)).toBe('[##########]');
  });

  it('draws an empty bar without items', () => {
    expect(renderBar(0, 0, 4)).toBe('[----]');
  });

  it('caps done above total', () => {
    expect(renderBar(12, 10, 4)).toBe('[####]');
  });

  it('draws with block characters', () => {
    expect(renderBar(1, 2, 4, BLOCK_BAR)).toBe('[██░░]');
  });
});

describe('summarizeBatch', () => {
  it('reads counts, total and done items', () => {
    const summary = summarizeBatch(batch());

    expect(summary.totalItems).toBe(10);
    expect(summary.counts.success).toBe(3);
    expect(summary.doneItems).toBe(4);
    expect(progressPercent(summary)).toBe(40);
  });

  it('reads flat count fields', () => {
    const counts = readItemCounts({ success_count: 2, failed_items: 1 });

    expect(counts).toEqual({ pending: 0, processing: 0, success: 2, failed: 1, skipped: 0 });
  });

  it('sums the counts when the total is missing', () => {
    const summary = summarizeBatch({ counts: { pending: 1, success: 2 } });

    expect(summary.totalItems).toBe(3);
  });

  it('gives neutral values for a response that is no object', () => {
    const summary = summarizeBatch('oops');

    expect(summary.status).toBe('unknown');
    expect(summary.totalItems).toBe(0);
  });

  it('shows a paused batch as paused until it finishes', () => {
    expect(displayStatus(summarizeBatch(batch({ paused: true })))).toBe('paused');
    expect(displayStatus(summarizeBatch(batch({ paused: true, status: 'cancelled' })))).toBe(
      'cancelled',
    );
  });

  it('counts a finished empty batch as complete', () => {
    const summary = summarizeBatch(batch({ status: 'completed', total_items: 0, counts: {} }));

    expect(progressPercent(summary)).toBe(100);
  });
});

describe('formatProgressLine', () => {
  it('shows status, bar, percent and non-zero counts', () => {
    expect(formatProgressLine(summarizeBatch(batch()), undefined, 10)).toBe(
      'processing  [####------]   40%  4/10  success 3  failed 1  processing 2',
    );
  });
});

class Recorder implements TextSink {
  text = '';
  constructor(
    readonly isTTY: boolean,
    readonly columns?: number,
  ) {}
  write(chunk: string | Uint8Array): boolean {
    this.text += String(chunk);
    return true;
  }
}

describe('ProgressDisplay', () => {
  it('redraws one line on a terminal', () => {
    const stdout = new Recorder(true);
    const display = new ProgressDisplay(new Output(stdout, new Recorder(true), false));

    display.update(summarizeBatch(batch()));
    display.update(summarizeBatch(batch({ counts: { success: 10 } })));
    display.finish(summarizeBatch(batch({ status: 'completed', counts: { success: 10 } })));

    expect(stdout.text.split('\r\u001b[2K')).toHaveLength(4);
    expect(stdout.text.endsWith('10/10  success 10\n')).toBe(true);
    expect(stdout.text.match(/\n/g)).toHaveLength(1);
  });

  it('limits lines in a log to one per interval', () => {
    const stdout = new Recorder(false);
    let now = 0;
    const display = new ProgressDisplay(new Output(stdout, new Recorder(false), false), () => now);

    display.update(summarizeBatch(batch({ counts: { success: 1 } })));
    now += 10;
    display.update(summarizeBatch(batch({ counts: { success: 2 } })));
    now += LOG_LINE_INTERVAL_MS;
    display.update(summarizeBatch(batch({ counts: { success: 3 } })));
    display.finish(summarizeBatch(batch({ status: 'completed', counts: { success: 10 } })));

    const lines = stdout.text.trimEnd().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toContain('success 1');
    expect(lines[1]).toContain('success 3');
    expect(lines[2]).toMatch(/^completed .* 100% {2}10\/10/);
  });

  it('writes a status change in a log at once', () => {
    const stdout = new Recorder(false);
    const display = new ProgressDisplay(new Output(stdout, new Recorder(false), false), () => 0);

    display.update(summarizeBatch(batch({ status: 'pending' })));
    display.update(summarizeBatch(batch({ status: 'processing' })));

    expect(stdout.text.trimEnd().split('\n')).toHaveLength(2);
  });

  it('cuts the line to a narrow terminal', () => {
    const stdout = new Recorder(true, 40);
    const display = new ProgressDisplay(new Output(stdout, new Recorder(true), false));

    display.finish(summarizeBatch(batch()));

    const line = stdout.text.replace('\r\u001b[2K', '').trimEnd();
    expect(line).toHaveLength(39);
    expect(line.endsWith('…')).toBe(true);
  });
});
