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

/** Renders the benchmark report as Markdown. */
export function renderReport(sections: BenchmarkSection[], command: string): string {
  const lines = [
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
