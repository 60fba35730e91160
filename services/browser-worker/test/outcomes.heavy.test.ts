import { fileURLToPath } from 'node:url';
import { orderNumberOf } from '@orderflow/demo-shop';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BrowserWorker, startBrowserWorker } from '../src/index';
import {
  chromiumDescendants,
  eventsOfItem,
  log,
  publishWork,
  readArtifact,
  startEnvironment,
  type TestEnvironment,
  testConfig,
  waitForOutcome,
  workFor,
} from './support';

const RECIPES_DIR = fileURLToPath(new URL('./fixtures/recipes', import.meta.url));

let env: TestEnvironment;
let worker: BrowserWorker;

beforeAll(async () => {
  env = await startEnvironment();
  const config = testConfig(env.nats.url, { RECIPES_DIR: RECIPES_DIR, STEP_TIMEOUT_MS: '2500' });
  worker = await startBrowserWorker(config, {
    connection: env.connection,
    log,
  });
});

afterAll(async () => {
  await worker?.stop();
  await env?.close();
});

function confirmationsOf(orderId: string) {
  return env.shop.confirmations().filter((entry) => entry.orderId === orderId);
}

async function run(orderPath: string, overrides: Parameters<typeof workFor>[2] = {}) {
  const work = workFor(env.shop, orderPath, overrides);
  await publishWork(env.connection, work);
  const outcome = await waitForOutcome(env.events, work);
  return { work, outcome };
}

describe('browser worker outcomes', () => {
  it('confirms a standard order', async () => {
    const { work, outcome } = await run('/orders/standard-100?amount=25.00');
    expect(outcome.type).toBe('item.attempt_succeeded');
    if (outcome.type !== 'item.attempt_succeeded') return;
    expect(outcome.data.orderNumber).toBe(orderNumberOf('standard-100'));
    expect(outcome.data.finalOrderUrl).toBe(`${env.shop.url}/orders/standard-100/confirmation`);
    expect(outcome.data.timings.totalMs).toBeGreaterThan(0);
    expect(Object.keys(outcome.data.timings.steps ?? {})).toContain('steps[2]:confirm order');

    const types = eventsOfItem(env.events, work.itemId).map((event) => event.type);
    expect(types).toEqual([
      'item.attempt_started',
      'item.effect_started',
      'item.attempt_succeeded',
    ]);
    const started = env.events.find(
      (event) => event.type === 'item.attempt_started' && event.itemId === work.itemId,
    );
    expect(started?.data).toMatchObject({ workerId: worker.workerId, recipe: 'default' });
    expect(
      env.shop.confirmations().filter((entry) => entry.orderId === 'standard-100'),
    ).toHaveLength(1);
  });

  it('follows a redirect chain to the order', async () => {
    const { outcome } = await run('/orders/chain-101?amount=25.00');
    expect(outcome.type).toBe('item.attempt_succeeded');
  });

  it('reads european amount notation', async () => {
    const { outcome } = await run('/orders/standard-102?amount=1234.50&format=eu', {
      amount: '1234.50',
    });
    expect(outcome.type).toBe('item.attempt_succeeded');
  });

  it('accepts a confirm dialog', async () => {
    const { outcome } = await run('/orders/dialog-103?amount=25.00');
    expect(outcome.type).toBe('item.attempt_succeeded');
    expect(confirmationsOf('dialog-103')).toHaveLength(1);
  });

  it('waits for slowly rendered details', async () => {
    const { outcome } = await run('/orders/slow-104?amount=25.00&delayMs=1500');
    expect(outcome.type).toBe('item.attempt_succeeded');
  });

  it('runs a yaml recipe inside an iframe', async () => {
    const { work, outcome } = await run('/orders/iframe-105?amount=25.00');
    expect(outcome.type).toBe('item.attempt_succeeded');
    if (outcome.type !== 'item.attempt_succeeded') return;
    expect(outcome.data.orderNumber).toBe(orderNumberOf('iframe-105'));
    const started = eventsOfItem(env.events, work.itemId).find(
      (event) => event.type === 'item.attempt_started',
    );
    expect(started?.data).toMatchObject({ recipe: 'iframe-shop' });
  });

  it('runs a typescript recipe', async () => {
    const { work, outcome } = await run('/orders/coded-106?amount=25.00');
    expect(outcome.type).toBe('item.attempt_succeeded');
    const effect = eventsOfItem(env.events, work.itemId).find(
      (event) => event.type === 'item.effect_started',
    );
    expect(effect?.data).toMatchObject({ step: 'submit form' });
  });

  it('fills and selects form fields', async () => {
    const { work, outcome } = await run('/orders/form-121?amount=25.00');
    expect(outcome.type).toBe('item.attempt_succeeded');
    if (outcome.type !== 'item.attempt_succeeded') return;
    expect(outcome.data.fields.title).toBe('Thank you, order form-121 is confirmed');
    expect(outcome.data.fields).not.toHaveProperty('orderNumber');
    const recorded = confirmationsOf('form-121');
    expect(recorded).toHaveLength(1);
    expect(recorded[0]?.form).toEqual({ reference: `REF-${work.itemId}`, delivery: 'express' });
  });

  it('reports unexpected text as a recipe failure', async () => {
    const { outcome } = await run('/orders/confirmed-form-122?amount=25.00');
    expect(outcome.type).toBe('item.attempt_failed');
    if (outcome.type !== 'item.attempt_failed') return;
    expect(outcome.data.code).toBe('RECIPE_FAILED');
    expect(outcome.data.retryable).toBe(false);
    expect(outcome.data.step).toBe('steps[1]:expectText');
    expect(outcome.data.details).toMatchObject({ found: 'This order is confirmed.' });
  });

  it('reports a different amount without confirming', async () => {
    const { outcome } = await run('/orders/mismatch-107?amount=25.00');
    expect(outcome.type).toBe('item.attempt_failed');
    if (outcome.type !== 'item.attempt_failed') return;
    expect(outcome.data.code).toBe('AMOUNT_MISMATCH');
    expect(outcome.data.retryable).toBe(false);
    expect(outcome.data.step).toBe('steps[1]:check amount');
    expect(outcome.data.details).toMatchObject({ expected: '25.00', found: '26.00' });
    expect(confirmationsOf('mismatch-107')).toHaveLength(0);
  });

  it.each([
    ['/orders/error-108', 'PAGE_SERVER_ERROR', true, 500],
    ['/orders/missing-109', 'PAGE_CLIENT_ERROR', false, 404],
  ] as const)('maps %s to %s', async (orderPath, code, retryable, httpStatus) => {
    const { outcome } = await run(orderPath);
    expect(outcome.type).toBe('item.attempt_failed');
    if (outcome.type !== 'item.attempt_failed') return;
    expect(outcome.data.code).toBe(code);
    expect(outcome.data.retryable).toBe(retryable);
    expect(outcome.data.details).toMatchObject({ httpStatus });
    expect(outcome.data.step).toBe('steps[0]:open order');
  });

  it('reports a missing element with artifacts', async () => {
    const { work, outcome } = await run('/orders/nobutton-110?amount=25.00');
    expect(outcome.type).toBe('item.attempt_failed');
    if (outcome.type !== 'item.attempt_failed') return;
    expect(outcome.data.code).toBe('ELEMENT_NOT_FOUND');
    expect(outcome.data.retryable).toBe(true);
    expect(outcome.data.step).toBe('steps[2]:confirm order');

    const artifacts = outcome.data.artifacts;
    const prefix = `${work.batchId}/${work.itemId}/1`;
    expect(artifacts?.screenshot).toBe(`${prefix}/screenshot.png`);
    expect(artifacts?.html).toBe(`${prefix}/page.html`);
    expect(artifacts?.log).toBe(`${prefix}/log.json`);
    const bucket = artifacts?.bucket ?? '';
    const screenshot = await readArtifact(env.connection, bucket, `${prefix}/screenshot.png`);
    expect(
      Buffer.from(screenshot ?? [])
        .subarray(1, 4)
        .toString(),
    ).toBe('PNG');
    const html = await readArtifact(env.connection, bucket, `${prefix}/page.html`);
    expect(Buffer.from(html ?? []).toString()).toContain('cannot be confirmed online');
    const logJson = await readArtifact(env.connection, bucket, `${prefix}/log.json`);
    const pageLog = JSON.parse(Buffer.from(logJson ?? []).toString());
    expect(pageLog.step).toBe('steps[2]:confirm order');
    expect(pageLog.lastDocument).toMatchObject({ status: 200 });
  });

  it('verifies after a failure past the confirm step', async () => {
    const { outcome } = await run('/orders/nonumber-111?amount=25.00');
    expect(outcome.type).toBe('item.attempt_succeeded');
    if (outcome.type !== 'item.attempt_succeeded') return;
    expect(outcome.data.orderNumber).toBe(orderNumberOf('nonumber-111'));
    expect(outcome.data.fields).toMatchObject({ verifiedOnSite: 'true' });
    expect(outcome.data.timings.steps).toHaveProperty(['verify[1]:look for confirmed mark']);
    expect(confirmationsOf('nonumber-111')).toHaveLength(1);
  });

  it('keeps a retryable failure when verification finds no order', async () => {
    const { outcome } = await run('/orders/confirmerror-123?amount=25.00');
    expect(outcome.type).toBe('item.attempt_failed');
    if (outcome.type !== 'item.attempt_failed') return;
    expect(outcome.data.code).toBe('PAGE_SERVER_ERROR');
    expect(outcome.data.retryable).toBe(true);
    expect(outcome.data.step).toBe('steps[3]:wait for confirmation');
    expect(outcome.data.details).toMatchObject({ httpStatus: 500, verifiedNotConfirmed: true });
    expect(confirmationsOf('confirmerror-123')).toHaveLength(0);
  });

  it('reports a missing order number as final', async () => {
    const { outcome } = await run('/orders/nonumber-nv-120?amount=25.00');
    expect(outcome.type).toBe('item.attempt_failed');
    if (outcome.type !== 'item.attempt_failed') return;
    expect(outcome.data.code).toBe('ORDER_NUMBER_NOT_FOUND');
    expect(outcome.data.retryable).toBe(false);
    expect(outcome.data.step).toBe('steps[3]:extract');
    expect(confirmationsOf('nonumber-nv-120')).toHaveLength(1);
  });

  it.each([
    ['blocked-112', '', '169.254.169.254'],
    ['loopback-113', '?amount=25.00', '127.0.0.2'],
    ['subrequest-114', '?amount=25.00', '127.0.0.2'],
  ])('blocks %s before any request', async (orderId, query, address) => {
    const orderPath = `/orders/${orderId}${query}`;
    const { outcome } = await run(orderPath);
    expect(outcome.type).toBe('item.attempt_failed');
    if (outcome.type !== 'item.attempt_failed') return;
    expect(outcome.data.code).toBe('BLOCKED_ADDRESS');
    expect(outcome.data.retryable).toBe(false);
    expect(outcome.data.details).toMatchObject({ blockedAddress: address });
    expect(outcome.data.message).toContain(address);
    expect(confirmationsOf(orderId)).toHaveLength(0);
  });

  it('blocks a link to a non-allowed host', async () => {
    const orderUrl = `http://127.0.0.3:${env.shop.port}/orders/standard-115`;
    const { outcome } = await run('', { orderUrl });
    expect(outcome.type).toBe('item.attempt_failed');
    if (outcome.type !== 'item.attempt_failed') return;
    expect(outcome.data.code).toBe('BLOCKED_ADDRESS');
    expect(outcome.data.step).toBe('steps[0]:open order');
  });

  it('succeeds on retry after a flaky first answer', async () => {
    const first = await run('/orders/flaky-116?amount=25.00');
    expect(first.outcome.type).toBe('item.attempt_failed');
    if (first.outcome.type !== 'item.attempt_failed') return;
    expect(first.outcome.data.code).toBe('PAGE_SERVER_ERROR');
    expect(first.outcome.data.retryable).toBe(true);

    const second = workFor(env.shop, '/orders/flaky-116?amount=25.00', {
      batchId: first.work.batchId,
      itemId: first.work.itemId,
      attempt: 2,
    });
    await publishWork(env.connection, second);
    const outcome = await waitForOutcome(env.events, second);
    expect(outcome.type).toBe('item.attempt_succeeded');
  });

  it('verifies first and skips a confirmed order', async () => {
    const { work, outcome } = await run('/orders/confirmed-117?amount=25.00', {
      verifyFirst: true,
    });
    expect(outcome.type).toBe('item.attempt_succeeded');
    if (outcome.type !== 'item.attempt_succeeded') return;
    expect(outcome.data.orderNumber).toBe(orderNumberOf('confirmed-117'));
    expect(outcome.data.fields).toMatchObject({ verifiedOnSite: 'true' });
    const types = eventsOfItem(env.events, work.itemId).map((event) => event.type);
    expect(types).not.toContain('item.effect_started');
    expect(confirmationsOf('confirmed-117')).toHaveLength(0);
  });

  it('verifies first, then confirms an open order', async () => {
    const { outcome } = await run('/orders/standard-118?amount=25.00', { verifyFirst: true });
    expect(outcome.type).toBe('item.attempt_succeeded');
    expect(confirmationsOf('standard-118')).toHaveLength(1);
  });

  it('fails verify-first without a verification', async () => {
    const { outcome } = await run('/orders/noverify-119?amount=25.00', { verifyFirst: true });
    expect(outcome.type).toBe('item.attempt_failed');
    if (outcome.type !== 'item.attempt_failed') return;
    expect(outcome.data.code).toBe('UNSAFE_TO_RETRY');
    expect(outcome.data.retryable).toBe(false);
    expect(confirmationsOf('noverify-119')).toHaveLength(0);
  });

  it('leaves no Chromium beyond the shared browser', () => {
    const processes = chromiumDescendants();
    expect(processes.length).toBeGreaterThan(0);
    expect(worker.runningCount()).toBe(0);
  });
});
