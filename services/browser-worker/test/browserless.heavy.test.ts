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

describe('recipes without a browser', () => {
  let env: TestEnvironment;
  let worker: BrowserWorker;

  beforeAll(async () => {
    env = await startEnvironment();
    worker = await startBrowserWorker(testConfig(env.nats.url), {
      connection: env.connection,
      log,
      recipes: [apiRecipe, sloppyRecipe],
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
