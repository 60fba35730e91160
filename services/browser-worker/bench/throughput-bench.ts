import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { newId, subjects } from '@orderflow/contracts';
import { type DemoShop, startDemoShop } from '@orderflow/demo-shop';
import { confinedChromiumArgs, resolveChromium, startNatsServer } from '@orderflow/harness';
import {
  connectNats,
  createLogger,
  decodeJson,
  parseConfig,
  provisionJetStream,
} from '@orderflow/service-kit';
import { chromium } from 'playwright-core';
import { BASE_CHROMIUM_ARGS } from '../src/browser-host';
import { configSchema } from '../src/config';
import { listDescendants } from '../src/process-tree';
import { startBrowserWorker } from '../src/worker';
import { publishWork, workFor } from '../test/support';

/** Options of {@link runBrowserBenchmark}. */
export interface BrowserBenchmarkOptions {
  /** Orders measured per side; default 40. */
  items?: number;
  /** Items in the browser at once, on both sides; default 2. */
  concurrency?: number;
  /** Orders run before measuring in each round, to start Chromium and warm caches; default 4. */
  warmupItems?: number;
  /** Rounds in which the two sides take turns; `items` is split between them; default 2. */
  rounds?: number;
}

/** Throughput and memory of one side of the comparison. */
export interface BenchmarkSide {
  itemsPerSecond: number;
  durationMs: number;
  /** Largest resident memory of this process plus its Chromium processes, in bytes. */
  peakRssBytes: number;
}

/** Worker throughput through NATS against a bare Playwright loop of the same isolation. */
export interface BrowserBenchmarkResult {
  items: number;
  concurrency: number;
  worker: BenchmarkSide;
  bare: BenchmarkSide;
  /** Worker items per second divided by bare items per second. */
  ratio: number;
  /** The goal is at least 90 % of the bare loop. */
  meetsGoal: boolean;
}

const GOAL_RATIO = 0.9;
const MEMORY_SAMPLE_MS = 100;

function residentBytes(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kilobytes = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
    return kilobytes * 1024;
  } catch {
    return 0;
  }
}

/** Samples the memory of this process and its descendants until stopped; returns the peak. */
function samplePeakMemory(): { stop(): number } {
  let peak = 0;
  const sample = () => {
    const pids = [process.pid, ...listDescendants(process.pid).map((entry) => entry.pid)];
    const total = pids.reduce((sum, pid) => sum + residentBytes(pid), 0);
    peak = Math.max(peak, total);
  };
  sample();
  const timer = setInterval(sample, MEMORY_SAMPLE_MS);
  return {
    stop() {
      clearInterval(timer);
      sample();
      return peak;
    },
  };
}

function side(items: number, durationMs: number, peakRssBytes: number): BenchmarkSide {
  return { itemsPerSecond: (items * 1_000) / durationMs, durationMs, peakRssBytes };
}

async function measureWorker(
  shop: DemoShop,
  items: number,
  concurrency: number,
  warmup: number,
  round: number,
) {
  const log = createLogger('browser-bench', 'silent');
  const nats = await startNatsServer();
  const connection = await connectNats({ url: nats.url, name: 'browser-bench', log });
  await provisionJetStream(connection, log, { maxConcurrentItems: concurrency });
  const config = parseConfig(configSchema, {
    NATS_URL: nats.url,
    CHROMIUM_CONFINE: 'true',
    ADDRESS_POLICY_ALLOW_HOSTS: '127.0.0.1',
    WORKER_CONCURRENCY: String(concurrency),
  });
  const worker = await startBrowserWorker(config, { connection, log });
  const succeeded = new Map<string, number>();
  const subscription = connection.subscribe(subjects.eventsOfType('item.attempt_succeeded'));
  void (async () => {
    for await (const message of subscription) {
      const { batchId } = decodeJson(message.data) as { batchId: string };
      succeeded.set(batchId, (succeeded.get(batchId) ?? 0) + 1);
    }
  })();

  const runBatch = async (count: number, prefix: string) => {
    const batchId = newId();
    for (let index = 0; index < count; index += 1) {
      const orderPath = `/orders/${prefix}-${index}?amount=25.00`;
      await publishWork(connection, workFor(shop, orderPath, { batchId }));
    }
    while ((succeeded.get(batchId) ?? 0) < count) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };

  try {
    await runBatch(warmup, `bench-worker-warmup-${round}`);
    const memory = samplePeakMemory();
    const startedAt = performance.now();
    await runBatch(items, `bench-worker-${round}`);
    const durationMs = performance.now() - startedAt;
    return side(items, durationMs, memory.stop());
  } finally {
    subscription.unsubscribe();
    await worker.stop();
    await connection.close();
    await nats.stop();
  }
}

async function measureBareLoop(
  shop: DemoShop,
  items: number,
  concurrency: number,
  warmup: number,
  round: number,
) {
  const sandbox = process.getuid?.() === 0 ? ['--no-sandbox'] : [];
  const browser = await chromium.launch({
    executablePath: resolveChromium(),
    args: [...BASE_CHROMIUM_ARGS, ...sandbox, ...confinedChromiumArgs()],
  });
  const runOrder = async (orderId: string) => {
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      // The same waits as the default recipe, without recipe engine, events or address proxy.
      await page.goto(`${shop.url}/orders/${orderId}?amount=25.00`, {
        waitUntil: 'domcontentloaded',
      });
      await page.locator('#order-amount').waitFor();
      await page.locator('#order-amount').textContent();
      await page.locator('#confirm-button').click();
      await page.locator('#order-number').waitFor();
      await page.locator('#order-number').textContent();
    } finally {
      await context.close();
    }
  };
  const runAll = async (count: number, prefix: string) => {
    let next = 0;
    const lane = async () => {
      while (next < count) {
        const index = next;
        next += 1;
        await runOrder(`${prefix}-${index}`);
      }
    };
    await Promise.all(Array.from({ length: concurrency }, lane));
  };

  try {
    await runAll(warmup, `bench-bare-warmup-${round}`);
    const memory = samplePeakMemory();
    const startedAt = performance.now();
    await runAll(items, `bench-bare-${round}`);
    const durationMs = performance.now() - startedAt;
    return side(items, durationMs, memory.stop());
  } finally {
    await browser.close();
  }
}

function combine(rounds: BenchmarkSide[], items: number): BenchmarkSide {
  const durationMs = rounds.reduce((sum, round) => sum + round.durationMs, 0);
  const peakRssBytes = Math.max(...rounds.map((round) => round.peakRssBytes));
  return side(items, durationMs, peakRssBytes);
}

/**
 * Measures the browser worker on the demo shop (work messages through NATS, events back) and a
 * bare Playwright loop with the same isolation (a fresh context per order) and concurrency on
 * this machine. The two sides take turns over `rounds` rounds, so that load from other
 * processes falls on both.
 */
export async function runBrowserBenchmark(
  options: BrowserBenchmarkOptions = {},
): Promise<BrowserBenchmarkResult> {
  const items = options.items ?? 40;
  const concurrency = options.concurrency ?? 2;
  const warmup = options.warmupItems ?? 4;
  const rounds = options.rounds ?? 2;
  const perRound = Math.max(1, Math.floor(items / rounds));
  const shop = await startDemoShop();
  const workerRounds: BenchmarkSide[] = [];
  const bareRounds: BenchmarkSide[] = [];
  try {
    for (let round = 0; round < rounds; round += 1) {
      workerRounds.push(await measureWorker(shop, perRound, concurrency, warmup, round));
      bareRounds.push(await measureBareLoop(shop, perRound, concurrency, warmup, round));
    }
  } finally {
    await shop.close();
  }
  const worker = combine(workerRounds, perRound * rounds);
  const bare = combine(bareRounds, perRound * rounds);
  const ratio = worker.itemsPerSecond / bare.itemsPerSecond;
  return {
    items: perRound * rounds,
    concurrency,
    worker,
    bare,
    ratio,
    meetsGoal: ratio >= GOAL_RATIO,
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const result = await runBrowserBenchmark();
  console.log(JSON.stringify(result, null, 2));
}
