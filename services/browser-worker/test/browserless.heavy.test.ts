import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { subjects, WORK_STREAM } from '@orderflow/contracts';
import { encodeJson } from '@orderflow/service-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BrowserWorker, startBrowserWorker } from '../src/index';
import type { Recipe } from '../src/recipes/recipe';
import {
  log,
  publishWork,
  startEnvironment,
  type TestEnvironment,
  testConfig,
  waitForOutcome,
  workFor,
} from './support';

const apiRecipe: Recipe = {
  name: 'api-only',
  source: 'test',
  match: { hosts: ['127.0.0.1'], paths: ['/orders/api-*'] },
  browser: false,
  async run(session) {
    await session.beginStep('call api');
    return { orderNumber: `API-${session.work.amount}` };
  },
};

let countedRuns = 0;

const countingRecipe: Recipe = {
  name: 'counting',
  source: 'test',
  match: { hosts: ['127.0.0.1'], paths: ['/orders/count-*'] },
  browser: false,
  async run() {
    countedRuns += 1;
    await new Promise((resolve) => setTimeout(resolve, 300));
    return { orderNumber: `RUN-${countedRuns}` };
  },
};

const sloppyRecipe: Recipe = {
  name: 'sloppy',
  source: 'test',
  match: { hosts: ['127.0.0.1'], paths: ['/orders/sloppy-*'] },
  browser: false,
  async run(session) {
    await session.page.goto(session.work.orderUrl);
    return { orderNumber: 'never' };
  },
};

async function workPending(env: TestEnvironment): Promise<number> {
  const jsm = await jetstreamManager(env.connection);
  return (await jsm.streams.info(WORK_STREAM.name)).state.messages;
}

describe('recipes without a browser', () => {
  let env: TestEnvironment;
  let worker: BrowserWorker;

  beforeAll(async () => {
    env = await startEnvironment();
    worker = await startBrowserWorker(testConfig(env.nats.url), {
      connection: env.connection,
      log,
      recipes: [apiRecipe, countingRecipe, sloppyRecipe],
    });
  });

  afterAll(async () => {
    await worker?.stop();
    await env?.close();
  });

  it('succeeds with the link as the final order link', async () => {
    const work = workFor(env.shop, '/orders/api-1', { amount: '12.50' });
    await publishWork(env.connection, work);
    const outcome = await waitForOutcome(env.events, work);
    expect(outcome.type).toBe('item.attempt_succeeded');
    if (outcome.type !== 'item.attempt_succeeded') return;
    expect(outcome.data.orderNumber).toBe('API-12.50');
    expect(outcome.data.finalOrderUrl).toBe(work.orderUrl);
    expect(outcome.data.timings.steps).toHaveProperty('call api');
  });

  it('runs a republished attempt once', async () => {
    // After a NATS restart the work stream forgets acknowledged message ids, so a scheduler
    // that publishes a work message again gets it stored as new, under another sequence.
    const work = workFor(env.shop, '/orders/count-1');
    const js = jetstream(env.connection);
    await publishWork(env.connection, work);
    await js.publish(subjects.work(work.batchId), encodeJson(work), { msgID: 'republished-copy' });

    const outcome = await waitForOutcome(env.events, work);
    const deadline = Date.now() + 10_000;
    while ((await workPending(env)) > 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(await workPending(env)).toBe(0);
    const outcomes = env.events.filter(
      (event) => event.itemId === work.itemId && event.type.startsWith('item.attempt_'),
    );
    expect(outcome.type).toBe('item.attempt_succeeded');
    expect(countedRuns).toBe(1);
    expect(outcomes.filter((event) => event.type === 'item.attempt_succeeded')).toHaveLength(1);
  });

  it('fails a recipe that uses the page anyway', async () => {
    const work = workFor(env.shop, '/orders/sloppy-1');
    await publishWork(env.connection, work);
    const outcome = await waitForOutcome(env.events, work);
    expect(outcome.type).toBe('item.attempt_failed');
    if (outcome.type !== 'item.attempt_failed') return;
    expect(outcome.data.code).toBe('RECIPE_FAILED');
    expect(outcome.data.message).toContain('declares browser: false but used the page');
    expect(env.shop.confirmations()).toHaveLength(0);
  });
});
