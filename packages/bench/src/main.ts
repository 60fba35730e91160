import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { runBrowserBenchmark } from '@orderflow/browser-worker/bench';
import { runApiLatencyBenchmark, runProjectionCatchUpBenchmark } from '@orderflow/gateway/bench';
import { startNatsServer } from '@orderflow/harness';
import { runImportBenchmark } from '@orderflow/importer/bench';
import { runPipelineBenchmark } from './pipeline-bench';
import { measureRawJetStream } from './raw-jetstream';
import { type BenchmarkSection, renderReport, renderSections } from './report';

const COMMAND = 'pnpm bench';
const only = process.argv.slice(2);

function wanted(name: string): boolean {
  return only.length === 0 || only.includes(name);
}

function progress(message: string): void {
  process.stdout.write(`[bench] ${message}\n`);
}

async function pipelineSection(): Promise<BenchmarkSection> {
  const result = await runPipelineBenchmark();
  return {
    title: 'Pipeline overhead',
    description: `${result.items.toLocaleString('en-US')} items from a JSON upload to every item projected as \`success\`, through the gateway, importer, scheduler and one browser worker as separate processes, with a recipe that does no browser work. The reference is raw JetStream publish and consume of the same ${result.messages.toLocaleString('en-US')} messages on the same server, converted to items at the pipeline's messages per item.`,
    figures: [
      {
        label: 'pipeline items per second',
        value: result.itemsPerSecond,
        unit: 'items/s',
        reference: { label: 'raw JetStream', value: result.rawItemsPerSecond },
        goal: 'at least 1,000 items/s',
        met: result.itemsPerSecond >= 1_000,
      },
    ],
    notes: [
      `Raw JetStream ran at ${Math.round(result.rawMessagesPerSecond).toLocaleString('en-US')} messages/s.`,
    ],
  };
}

async function browserSection(): Promise<BenchmarkSection> {
  const result = await runBrowserBenchmark();
  const mib = (bytes: number) => bytes / 2 ** 20;
  return {
    title: 'Browser throughput',
    description: `${result.items} demo-shop orders at ${result.concurrency} in parallel, a fresh browser context per item on both sides: the browser worker taking work through NATS, against a bare Playwright loop in one process.`,
    figures: [
      {
        label: 'worker items per second',
        value: result.worker.itemsPerSecond,
        unit: 'items/s',
        reference: { label: 'bare Playwright loop', value: result.bare.itemsPerSecond },
        goal: 'at least 90 % of the bare loop',
        met: result.meetsGoal,
      },
      {
        label: 'worker peak memory (process and Chromium)',
        value: mib(result.worker.peakRssBytes),
        unit: 'MiB',
        reference: { label: 'bare loop', value: mib(result.bare.peakRssBytes) },
      },
    ],
  };
}

async function importSection(): Promise<BenchmarkSection> {
  const result = await runImportBenchmark();
  return {
    title: 'Import',
    description: `A ${result.rows.toLocaleString('en-US')}-row workbook (${(result.fileBytes / 2 ** 20).toFixed(1)} MiB) from object-store upload to \`batch.created\`, best of ${result.runs} runs, against a bare exceljs streaming read of the same file.`,
    figures: [
      {
        label: 'import time',
        value: result.importMs,
        unit: 'ms',
        reference: { label: 'bare exceljs read', value: result.bareReadMs },
        goal: 'at most 2 times the bare read',
        met: result.ratio <= 2,
      },
      {
        label: 'importer peak resident memory',
        value: result.importerPeakRssMb,
        unit: 'MB',
        goal: 'under 300 MB',
        met: result.importerPeakRssMb < 300,
      },
    ],
  };
}

async function projectionSection(): Promise<BenchmarkSection> {
  const result = await runProjectionCatchUpBenchmark();
  const nats = await startNatsServer();
  try {
    const raw = await measureRawJetStream(nats.url, result.events, 512);
    return {
      title: 'Projection catch-up',
      description: `${result.events.toLocaleString('en-US')} events waiting in the stream while the projector was stopped, projected into Postgres after it started, against raw JetStream publish and consume of as many messages.`,
      figures: [
        {
          label: 'projection events per second',
          value: result.eventsPerSecond,
          unit: 'events/s',
          reference: { label: 'raw JetStream', value: raw.messagesPerSecond },
          goal: 'at least 5,000 events/s',
          met: result.eventsPerSecond >= 5_000,
        },
      ],
    };
  } finally {
    await nats.stop();
  }
}

async function apiSection(): Promise<BenchmarkSection> {
  const result = await runApiLatencyBenchmark();
  return {
    title: 'API latency',
    description: `GET batch detail of a ${result.items.toLocaleString('en-US')}-item batch at ${result.targetRatePerSecond} requests/s (${result.requests.toLocaleString('en-US')} requests, ${result.errors} errors). The p50 is the reference for the p99.`,
    figures: [
      {
        label: 'p99 latency',
        value: result.p99Ms,
        unit: 'ms',
        reference: { label: 'p50', value: result.p50Ms },
        goal: 'p99 under 50 ms',
        met: result.p99Ms < 50,
      },
      { label: 'max latency', value: result.maxMs, unit: 'ms' },
    ],
  };
}

const benchmarks: Array<[string, () => Promise<BenchmarkSection>]> = [
  ['pipeline', pipelineSection],
  ['browser', browserSection],
  ['import', importSection],
  ['projection', projectionSection],
  ['api', apiSection],
];

const sections: BenchmarkSection[] = [];
for (const [name, run] of benchmarks) {
  if (!wanted(name)) continue;
  progress(`running ${name}`);
  sections.push(await run());
}

// One benchmark alone prints its figures and leaves the report alone: the report contains figures
// of one complete run, so that each figure was measured beside the others.
if (only.length > 0) {
  process.stdout.write(`\n${renderSections(sections)}\n`);
  progress('printed only; run `pnpm bench` without names to refresh docs/benchmarks.md');
  process.exit(0);
}
const target = fileURLToPath(new URL('../../../docs/benchmarks.md', import.meta.url));
const previous = existsSync(target) ? readFileSync(target, 'utf8') : undefined;
writeFileSync(target, renderReport(sections, COMMAND, previous));
progress(`wrote ${target}`);
process.exit(0);
