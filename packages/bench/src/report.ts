import { cpus, freemem, type as osType, release, totalmem } from 'node:os';

/** One measured figure, optionally compared with a reference measured in the same run. */
export interface Figure {
  label: string;
  value: number;
  unit: string;
  /** The reference this figure is compared with, measured in the same run. */
  reference?: { label: string; value: number };
  /** The goal, as text, such as "at least 90 % of the reference". */
  goal?: string;
  /** Whether the goal was met, when there is one. */
  met?: boolean;
}

/** The figures of one benchmark and the command that reproduces it. */
export interface BenchmarkSection {
  title: string;
  description: string;
  figures: Figure[];
  notes?: string[];
}

function formatNumber(value: number): string {
  if (Math.abs(value) >= 100) return Math.round(value).toLocaleString('en-US');
  return value.toFixed(2);
}

/** Describes the machine the benchmarks ran on. */
export function describeMachine(): string[] {
  const cpu = cpus();
  return [
    `- Date: ${new Date().toISOString()}`,
    `- CPU: ${cpu[0]?.model ?? 'unknown'}, ${cpu.length} cores`,
    `- Memory: ${Math.round(totalmem() / 2 ** 30)} GiB (${Math.round(freemem() / 2 ** 30)} GiB free at start)`,
    `- OS: ${osType()} ${release()}; Node.js ${process.version}`,
  ];
}

/** The line after which docs/benchmarks.md contains notes written by hand. */
export const KEPT_NOTES_MARKER =
  '<!-- Notes below this line are written by hand and kept when the benchmarks run again. -->';

/**
 * Returns the hand-written notes of an earlier report, from its marker line on, or the marker
 * alone when the report has none.
 */
export function keptNotes(previous: string | undefined): string {
  const start = previous === undefined ? -1 : previous.indexOf(KEPT_NOTES_MARKER);
  return previous === undefined || start < 0 ? `${KEPT_NOTES_MARKER}\n` : previous.slice(start);
}

/** Renders the figures of some benchmarks as Markdown sections. */
export function renderSections(sections: BenchmarkSection[]): string {
  const lines: string[] = [];
  for (const section of sections) {
    lines.push(`## ${section.title}`, '', section.description, '');
    lines.push('| figure | value | reference | ratio | goal |', '|---|---|---|---|---|');
    for (const figure of section.figures) {
      const reference = figure.reference
        ? `${figure.reference.label}: ${formatNumber(figure.reference.value)} ${figure.unit}`
        : '';
      const ratio = figure.reference ? (figure.value / figure.reference.value).toFixed(2) : '';
      const goal = figure.goal
        ? `${figure.goal}${figure.met === undefined ? '' : figure.met ? ' (met)' : ' (not met)'}`
        : '';
      lines.push(
        `| ${figure.label} | ${formatNumber(figure.value)} ${figure.unit} | ${reference} | ${ratio} | ${goal} |`,
      );
    }
    lines.push('');
    for (const note of section.notes ?? []) lines.push(`- ${note}`);
    if (section.notes?.length) lines.push('');
  }
  return lines.join('\n');
}

/**
 * Renders the whole report: machine, command and every section, then the hand-written notes of
 * the previous report, so that a rerun refreshes the figures and keeps the notes.
 */
export function renderReport(
  sections: BenchmarkSection[],
  command: string,
  previous: string | undefined,
): string {
  const head = [
    '# Benchmarks',
    '',
    `<!-- Written by \`${command}\`; rerun it to refresh. -->`,
    '',
    'Each figure is compared with a reference measured in the same run on the same machine,',
    'because these machines are shared and absolute numbers move from run to run.',
    '',
    '## Machine',
    '',
    ...describeMachine(),
    `- Command: \`${command}\``,
    '',
  ];
  return `${head.join('\n')}\n${renderSections(sections)}\n${keptNotes(previous)}`;
}
