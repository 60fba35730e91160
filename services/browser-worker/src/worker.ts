import { hostname } from 'node:os';
import { jetstream } from '@nats-io/jetstream';
import { Objm } from '@nats-io/obj';
import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import { CONSUMERS, OBJECT_BUCKETS, WORK_STREAM } from '@orderflow/contracts';
import { confinedChromiumArgs, resolveChromium } from '@orderflow/harness/chromium';
import { policyFromEnvConfig } from '@orderflow/url-policy';
import type { Logger } from 'pino';
import { Counter, type Registry } from 'prom-client';
import { AddressProxy, confinedLookup, systemLookup } from './address-proxy';
import type { AttemptDeps } from './attempt';
import { BrowserHost } from './browser-host';
import type { Config } from './config';
import { EventPublisher } from './event-publisher';
import { attemptKey, handleWork, type RunningAttempts } from './handle-work';
import { CancelledBatches, watchInterrupts } from './interrupt-watch';
import { defaultRecipe } from './recipes/default-recipe';
import { loadRecipes } from './recipes/load-recipes';
import type { Recipe } from './recipes/recipe';
import { selectRecipe } from './recipes/select-recipe';
import { WorkPuller } from './work-puller';

/** Connections and options the worker receives from its composition root. */
export interface BrowserWorkerDeps {
  connection: NatsConnection;
  log: Logger;
  /** Registry for the worker's metrics; none are recorded when omitted. */
  registry?: Registry;
  /** TypeScript recipes, tried before the recipe files. */
  recipes?: Recipe[];
}

/** A running browser worker. */
export interface BrowserWorker {
  workerId: string;
  /** True once Chromium runs and pulling has started, until shutdown begins. */
  isReady(): boolean;
  /** Number of attempts running now. */
  runningCount(): number;
  /**
   * Stops pulling, lets running attempts finish within SHUTDOWN_GRACE_MS, stops the rest
   * (reported as WORKER_SHUTDOWN), and closes Chromium. The NATS connection stays open.
   */
  stop(): Promise<void>;
}

function createMetrics(registry: Registry | undefined) {
  if (!registry) return { record: (_result: string) => {} };
  const outcomes = new Counter({
    name: 'orderflow_worker_attempts_total',
    help: 'Attempts finished by this worker, by result (succeeded or the error code).',
    labelNames: ['result'],
    registers: [registry],
  });
  return { record: (result: string) => outcomes.inc({ result }) };
}

async function startProxies(config: Config, log: Logger): Promise<AddressProxy[]> {
  const policy = policyFromEnvConfig(config);
  const lookup = config.CHROMIUM_CONFINE ? confinedLookup : systemLookup;
  const proxies: AddressProxy[] = [];
  for (let slot = 0; slot < config.WORKER_CONCURRENCY; slot += 1) {
    proxies.push(await AddressProxy.start({ policy, lookup, log: log.child({ slot }) }));
  }
  return proxies;
}

/** Starts the browser worker: loads recipes, launches Chromium and starts pulling work for its slots. */
export async function startBrowserWorker(
  config: Config,
  deps: BrowserWorkerDeps,
): Promise<BrowserWorker> {
  const workerId = config.WORKER_ID ?? `${hostname()}-${process.pid}`;
  const log = deps.log.child({ component: 'browser-worker', workerId });
  const { recipes, fallback } = await loadRecipes(
    config.RECIPES_DIR,
    defaultRecipe(config),
    deps.recipes,
  );
  log.info(
    { recipes: recipes.map((recipe) => recipe.name), fallback: fallback.name },
    'recipes loaded',
  );

  const host = new BrowserHost({
    executablePath: config.CHROMIUM_PATH ?? resolveChromium(),
    extraArgs: config.CHROMIUM_CONFINE ? confinedChromiumArgs() : [],
    maxContexts: config.BROWSER_MAX_CONTEXTS,
    closeTimeoutMs: config.BROWSER_CLOSE_TIMEOUT_MS,
    log,
  });
  await host.start();
  const proxies = await startProxies(config, log);

  const js = jetstream(deps.connection);
  const consumer = await js.consumers.get(WORK_STREAM.name, CONSUMERS.browserWorkers);
  const store = await new Objm(deps.connection).open(OBJECT_BUCKETS.artifacts.bucket);
  const publisher = new EventPublisher(js, workerId);
  const metrics = createMetrics(deps.registry);
  const running: RunningAttempts = new Map();
  const cancelled = new CancelledBatches();
  let stopping = false;

  const subscriptions: Subscription[] = watchInterrupts(
    deps.connection,
    {
      onBatchCancelled: (batchId) => {
        cancelled.add(batchId);
        for (const attempt of running.values()) {
          if (attempt.work.batchId === batchId) attempt.interrupt('cancelled');
        }
      },
      onAttemptTimedOut: (itemId, attempt) => {
        running.get(attemptKey(itemId, attempt))?.interrupt('scheduler_timeout');
      },
    },
    log,
  );
  await deps.connection.flush();

  const contexts = proxies.map((proxy, slot) => {
    const attemptDeps: AttemptDeps = {
      host,
      proxy,
      publisher,
      store,
      log: log.child({ slot }),
      settings: {
        stepTimeoutMs: config.STEP_TIMEOUT_MS,
        verifyTimeoutMs: config.VERIFY_TIMEOUT_MS,
        maxScreenshotBytes: config.ARTIFACT_MAX_SCREENSHOT_BYTES,
        maxHtmlBytes: config.ARTIFACT_MAX_HTML_BYTES,
        maxLogEntries: config.ARTIFACT_MAX_LOG_ENTRIES,
        screenshotOnSuccess: config.ARTIFACT_SCREENSHOT_ON_SUCCESS,
        artifactsBucket: OBJECT_BUCKETS.artifacts.bucket,
      },
    };
    const context = {
      publisher,
      attemptDeps,
      running,
      log: attemptDeps.log,
      chooseRecipe: (orderUrl: string) => selectRecipe(recipes, fallback, orderUrl),
      isCancelled: (batchId: string) => cancelled.has(batchId),
      isStopping: () => stopping,
      recordOutcome: metrics.record,
    };
    return context;
  });
  const puller = new WorkPuller(
    consumer,
    contexts.length,
    (slot, msg) => handleWork(msg, contexts[slot] as (typeof contexts)[number]),
    log,
  );
  puller.start();
  log.info({ slots: config.WORKER_CONCURRENCY }, 'browser worker started');

  return {
    workerId,
    isReady: () => !stopping && host.isReady(),
    runningCount: () => running.size,
    async stop() {
      if (stopping) return;
      stopping = true;
      log.info(
        { running: running.size, graceMs: config.SHUTDOWN_GRACE_MS },
        'stopping browser worker',
      );
      const pullingDone = puller.stop();
      const grace = new Promise<'grace over'>((resolve) => {
        setTimeout(() => resolve('grace over'), config.SHUTDOWN_GRACE_MS).unref();
      });
      if ((await Promise.race([pullingDone, grace])) === 'grace over') {
        log.warn({ running: running.size }, 'grace period over; stopping running attempts');
        for (const attempt of running.values()) attempt.interrupt('shutdown');
      }
      await pullingDone;
      for (const subscription of subscriptions) subscription.unsubscribe();
      await Promise.all(proxies.map((proxy) => proxy.close()));
      await host.close();
      log.info('browser worker stopped');
    },
  };
}
