import { describe, expect, it } from 'vitest';
import { type BenchmarkSection, KEPT_NOTES_MARKER, renderReport } from '../src/report';

const section: BenchmarkSection = {
  title: 'Import',
  description: 'A workbook against a bare read.',
  figures: [
    {
      label: 'import time',
      value: 1_500,
      unit: 'ms',
      reference: { label: 'bare read', value: 750 },
      goal: 'at most 2 times the bare read',
      met: true,
    },
  ],
};

describe('renderReport', () => {
  it('refreshes the figures and keeps the notes written by hand', () => {
    const previous = `# Benchmarks\n\n## Import\n\nold figures\n\n${KEPT_NOTES_MARKER}\n\n## Spread\n\nby hand\n`;
    const report = renderReport([section], 'pnpm bench', previous);
    expect(report).toContain('| import time | 1,500 ms | bare read: 750 ms | 2.00 |');
    expect(report).not.toContain('old figures');
    expect(report.endsWith(`${KEPT_NOTES_MARKER}\n\n## Spread\n\nby hand\n`)).toBe(true);
  });

  it('ends a first report with the marker, ready for notes', () => {
    const report = renderReport([section], 'pnpm bench', undefined);
    expect(report.endsWith(`${KEPT_NOTES_MARKER}\n`)).toBe(true);
  });
});
