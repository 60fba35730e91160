import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { type DemoShop, startDemoShop } from '@orderflow/demo-shop';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AddressProxy, confinedLookup } from '../src/address-proxy';
import { log } from './support';

let shop: DemoShop;
let proxy: AddressProxy;
let blocked: Array<{ url: string; address: string | undefined }>;
let upstreamErrors: Array<{ url: string; code: string }>;

beforeAll(async () => {
  shop = await startDemoShop();
  proxy = await AddressProxy.start({
    policy: { allowHosts: ['127.0.0.1'], restrictToHosts: [] },
    lookup: confinedLookup,
    log,
  });
});

beforeEach(() => {
  blocked = [];
  upstreamErrors = [];
  proxy.attach({
    onBlocked: (url, address) => blocked.push({ url, address }),
    onUpstreamError: (url, code) => upstreamErrors.push({ url, code }),
  });
});

afterAll(async () => {
  await proxy.close();
  await shop.close();
});

/** Sends one plain HTTP request through the proxy, the way Chromium does. */
function viaProxy(url: string): Promise<{ status: number; body: string }> {
  const proxyUrl = new URL(proxy.url);
  return new Promise((resolve, reject) => {
    const request = httpRequest(
      {
        host: proxyUrl.hostname,
        port: proxyUrl.port,
        path: url,
        headers: { host: new URL(url).host },
      },
      (response) => {
        let body = '';
        response.on('data', (chunk) => {
          body += String(chunk);
        });
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
      },
    );
    request.on('error', reject);
    request.end();
  });
}

/**
 * Opens a CONNECT tunnel, sends `payload` after the proxy response, and returns everything
 * received until the connection closes.
 */
function tunnel(target: string, payload?: string): Promise<string> {
  const proxyUrl = new URL(proxy.url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(proxyUrl.port), proxyUrl.hostname, () => {
      socket.write(`CONNECT ${target} HTTP/1.1\r\nHost: ${target}\r\n\r\n`);
    });
    let received = '';
    let sent = false;
    socket.on('data', (chunk) => {
      received += String(chunk);
      if (payload && !sent && received.includes('\r\n\r\n')) {
        sent = true;
        socket.write(payload);
      }
    });
    socket.on('close', () => resolve(received));
    socket.on('error', reject);
  });
}

describe('address proxy', () => {
  it('forwards an allowed request', async () => {
    const response = await viaProxy(`${shop.url}/orders/standard-1?amount=3.00`);
    expect(response.status).toBe(200);
    expect(response.body).toContain('$3.00');
    expect(blocked).toEqual([]);
  });

  it('blocks the metadata address without connecting', async () => {
    const response = await viaProxy('http://169.254.169.254/latest/meta-data/');
    expect(response.status).toBe(403);
    expect(blocked).toEqual([
      { url: 'http://169.254.169.254/latest/meta-data/', address: '169.254.169.254' },
    ]);
  });

  it('reports a host it may not resolve', async () => {
    await expect(viaProxy('http://shop.invalid/orders/1')).rejects.toThrow();
    expect(upstreamErrors).toEqual([{ url: 'http://shop.invalid/orders/1', code: 'ENOTFOUND' }]);
    expect(blocked).toEqual([]);
  });

  it('blocks a tunnel to a blocked address', async () => {
    const status = await tunnel('169.254.169.254:443');
    expect(status.startsWith('HTTP/1.1 403')).toBe(true);
    expect(blocked[0]?.address).toBe('169.254.169.254');
  });

  it('opens a tunnel to an allowed address', async () => {
    const request = `GET /orders/standard-2?amount=4.00 HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`;
    const received = await tunnel(`127.0.0.1:${shop.port}`, request);
    expect(received.startsWith('HTTP/1.1 200 Connection Established')).toBe(true);
    expect(received).toContain('$4.00');
  });
});
