import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DemoShop, orderNumberOf, startDemoShop, VARIANTS } from '../src/index';

let shop: DemoShop;

beforeAll(async () => {
  shop = await startDemoShop();
});

afterAll(async () => {
  await shop.close();
});

async function get(path: string): Promise<Response> {
  return fetch(`${shop.url}${path}`, { redirect: 'manual' });
}

async function confirm(orderId: string, amount: string): Promise<Response> {
  return fetch(`${shop.url}/orders/${orderId}/confirm`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ amount }).toString(),
  });
}

describe('demo shop', () => {
  it('lists every variant on the start page', async () => {
    const body = await (await get('/')).text();
    for (const variant of Object.keys(VARIANTS)) {
      expect(body).toContain(`/orders/${variant}-1001`);
    }
  });

  it('renders the amount and the confirm form by script', async () => {
    const response = await get('/orders/standard-1?amount=1234.50');
    const body = await response.text();
    expect(response.status).toBe(200);
    expect(body).toContain('$1,234.50');
    expect(body).toContain('confirm-button');
    expect(body).toContain('setTimeout');
    expect(body).toContain('data-order-status="open"');
  });

  it('prints european amounts on request', async () => {
    const body = await (await get('/orders/standard-2?amount=1234.50&format=eu')).text();
    expect(body).toContain('1.234,50 €');
  });

  it('shows a higher amount for the mismatch variant', async () => {
    const body = await (await get('/orders/mismatch-1?amount=10.00')).text();
    expect(body).toContain('$11.00');
  });

  it('confirms with a 303 and records the confirmation', async () => {
    const response = await confirm('standard-3', '12.50');
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toBe('/orders/standard-3/confirmation');

    const page = await (await get('/orders/standard-3/confirmation')).text();
    expect(page).toContain(orderNumberOf('standard-3'));
    const list = (await (await get('/api/confirmations?orderId=standard-3')).json()) as {
      confirmations: Array<{ orderId: string; amount: string }>;
    };
    expect(list.confirmations).toHaveLength(1);
    expect(list.confirmations[0]?.amount).toBe('12.50');
  });

  it('shows a confirmed order as confirmed', async () => {
    await confirm('standard-4', '5.00');
    const body = await (await get('/orders/standard-4?amount=5.00')).text();
    expect(body).toContain('data-order-status="confirmed"');
    expect(body).toContain(orderNumberOf('standard-4'));
  });

  it('treats the confirmed variant as confirmed from the start', async () => {
    const body = await (await get('/orders/confirmed-1')).text();
    expect(body).toContain('data-order-status="confirmed"');
    expect(shop.confirmations().filter((entry) => entry.orderId === 'confirmed-1')).toHaveLength(0);
  });

  it('answers the error variants with their status', async () => {
    expect((await get('/orders/error-1')).status).toBe(500);
    expect((await get('/orders/missing-1')).status).toBe(404);
  });

  it('fails the flaky variant only the first time', async () => {
    expect((await get('/orders/flaky-1')).status).toBe(503);
    expect((await get('/orders/flaky-1')).status).toBe(200);
  });

  it('redirects the chain variant three times', async () => {
    let path = '/orders/chain-1?amount=3.00';
    const locations: string[] = [];
    for (let hop = 0; hop < 3; hop += 1) {
      const response = await get(path);
      expect(response.status).toBe(302);
      path = response.headers.get('location') ?? '';
      locations.push(path);
    }
    expect(locations.at(-1)).toBe('/orders/chain-1?amount=3.00&hop=3');
    expect((await get(path)).status).toBe(200);
  });

  it('redirects the blocked variants to non-public addresses', async () => {
    const metadata = await get('/orders/blocked-1');
    expect(metadata.headers.get('location')).toBe('http://169.254.169.254/latest/meta-data/');
    const loopback = await get('/orders/loopback-1?amount=1.00');
    expect(loopback.headers.get('location')).toBe(
      `http://127.0.0.2:${shop.port}/orders/loopback-1?amount=1.00`,
    );
  });

  it('puts the iframe variant details in a frame', async () => {
    const body = await (await get('/orders/iframe-1?amount=2.00')).text();
    expect(body).toContain('src="/frame/orders/iframe-1?amount=2.00"');
    const frame = await (await get('/frame/orders/iframe-1?amount=2.00')).text();
    expect(frame).toContain('$2.00');
  });

  it('keeps the hanging variant open until close', async () => {
    const controller = new AbortController();
    const pending = fetch(`${shop.url}/orders/hang-1`, { signal: controller.signal });
    const outcome = await Promise.race([
      pending.then(() => 'answered'),
      new Promise((resolve) => setTimeout(() => resolve('pending'), 300)),
    ]);
    controller.abort();
    await pending.catch(() => undefined);
    expect(outcome).toBe('pending');
  });

  it('requires a reference for the form variant', async () => {
    const rejected = await confirm('form-1', '7.00');
    expect(rejected.status).toBe(422);
    const accepted = await fetch(`${shop.url}/orders/form-1/confirm`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        amount: '7.00',
        reference: 'R-1',
        delivery: 'express',
      }).toString(),
    });
    expect(accepted.status).toBe(303);
    const recorded = shop.confirmations().filter((entry) => entry.orderId === 'form-1');
    expect(recorded).toHaveLength(1);
    expect(recorded[0]?.form).toEqual({ reference: 'R-1', delivery: 'express' });
  });
});
