import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { EVENTS_STREAM, WORK_STREAM } from '@orderflow/contracts';
import { createTestDatabase, startNatsServer } from '@orderflow/harness';
import { type Stack, startStack } from '@orderflow/stack';
import { measureRawJetStream } from './raw-jetstream';

/** Result of {@link runPipelineBenchmark}. */
export interface PipelineBenchmarkResult {
  items: number;
  seconds: number;
  itemsPerSecond: number;
  /** Messages the pipeline published: events plus work messages. */
  messages: number;
  /** Raw JetStream publish-and-consume of the same number of messages, per second. */
  rawMessagesPerSecond: number;
  /** Items per second the raw rate allows at the pipeline's messages per item. */
  rawItemsPerSecond: number;
}

const ROOT_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const WIDE_LIMIT = '64';

/** A recipe that returns at once without opening a page, so only the pipeline is measured. */
const NO_BROWSER_RECIPE = `
export default {
  name: 'bench-no-browser',
  match: { hosts: ['127.0.0.1'] },
  browser: false,
  async run(session) {
    return { orderNumber: 'BENCH-' + session.work.itemId.slice(0, 8), finalOrderUrl: session.work.orderUrl };
  },
};
`;

interface BatchView {
  id: string;
  status: string;
  counts: { success: number };
}

async function api(baseUrl: string, token: string, path: string, init: RequestInit = {}) {
  const response = await fetch(`${baseUrl}/api/v1/batch-tasks${path}`, {
    ...init,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
  });
  if (!response.ok)
    throw new Error(`${path} returned HTTP ${response.status}: ${await response.text()}`);
  return (await response.json()) as BatchView;
}

/**
 * Items in the benchmark batch: enough that the fixed costs of one batch (upload, import, start,
 * the last poll) weigh little against the steady rate, which is what the goal is about. At
 * 5,000 items they took roughly a quarter of the run, estimated from runs at both sizes.
 */
export const PIPELINE_BENCHMARK_ITEMS = 20_000;

/**
 * Measures items per second from a JSON upload until every item is projected as `success`. It runs
 * the real gateway, importer, scheduler and browser worker processes with a recipe that does no
 * browser work, and compares it with raw JetStream publish-and-consume of as many messages.
 */
export async function runPipelineBenchmark(
  items = PIPELINE_BENCHMARK_ITEMS,
): Promise<PipelineBenchmarkResult> {
  const nats = await startNatsServer();
  const database = await createTestDatabase();
  const scratch = await mkdtemp(join(tmpdir(), 'orderflow-pipeline-bench-'));
  const recipes = join(scratch, 'recipes');
  await mkdir(recipes);
  await writeFile(join(recipes, 'bench-no-browser.mjs'), NO_BROWSER_RECIPE);

  let stack: Stack | undefined;
  try {
    stack = await startStack({
      rootDir: ROOT_DIR,
      dataDir: scratch,
      natsUrl: nats.url,
      databaseUrl: database.url,
      gatewayPort: 0,
      apiTokens: 'bench-token',
      env: {
        LOG_LEVEL: 'warn',
        ADDRESS_POLICY_ALLOW_HOSTS: '127.0.0.1',
        CHROMIUM_CONFINE: 'true',
        MAX_CONCURRENT_ITEMS: WIDE_LIMIT,
        MAX_CONCURRENT_BATCH_ITEMS: WIDE_LIMIT,
        MAX_CONCURRENT_PER_HOST: WIDE_LIMIT,
      },
      serviceEnv: { 'browser-worker': { RECIPES_DIR: recipes, WORKER_CONCURRENCY: WIDE_LIMIT } },
      output: () => {},
    });
    const taskItems = Array.from({ length: items }, (_, index) => ({
      order_url: `http://127.0.0.1:9/orders/${index}`,
      amount: '10.00',
    }));
    const started = performance.now();
    const batch = await api(stack.gatewayUrl, stack.apiToken, '/', {
      method: 'POST',
      body: JSON.stringify({
        name: 'pipeline benchmark',
        task_items: taskItems,
        max_concurrency: Number(WIDE_LIMIT),
      }),
    });
    await api(stack.gatewayUrl, stack.apiToken, `/${batch.id}/control`, {
      method: 'POST',
      body: JSON.stringify({ action: 'start' }),
    });
    for (;;) {
      const view = await api(stack.gatewayUrl, stack.apiToken, `/${batch.id}`);
      if (view.counts.success === items) break;
      if (view.status === 'failed' || view.status === 'cancelled') {
        throw new Error(`the benchmark batch ended ${view.status}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const seconds = (performance.now() - started) / 1_000;

    const connection = await connect({ servers: nats.url });
    const jsm = await jetstreamManager(connection);
    const events = (await jsm.streams.info(EVENTS_STREAM.name)).state.last_seq;
    const work = (await jsm.streams.info(WORK_STREAM.name)).state.last_seq;
    await connection.close();
    const messages = events + work;

    const raw = await measureRawJetStream(nats.url, messages, 512);
    return {
      items,
      seconds,
      itemsPerSecond: items / seconds,
      messages,
      rawMessagesPerSecond: raw.messagesPerSecond,
      rawItemsPerSecond: raw.messagesPerSecond / (messages / items),
    };
  } finally {
    await stack?.stop();
    await database.drop();
    await nats.stop();
    await rm(scratch, { recursive: true, force: true });
  }
}
