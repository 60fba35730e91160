import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { API_BASE_PATH, newId } from '@orderflow/contracts';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  BatchScript,
  batchWhen,
  type GatewayFixture,
  readJson,
  startGatewayFixture,
  TEST_TOKEN,
} from './gateway-fixture';

const logLines: string[] = [];
const capturingLog = pino(
  { level: 'debug' },
  new Writable({
    write(chunk, _encoding, callback) {
      logLines.push(String(chunk));
      callback();
    },
  }),
);

let fixture: GatewayFixture;
beforeAll(async () => {
  fixture = await startGatewayFixture({}, { log: capturingLog });
});
afterAll(async () => {
  await fixture?.close();
});

function get(path: string, headers: Record<string, string> = {}) {
  return fetch(`${fixture.gateway.url}${path}`, { headers });
}

describe('authentication', () => {
  test.each([
    ['no header', {}],
    ['a wrong token', { authorization: 'Bearer wrong-token' }],
    ['another scheme', { authorization: `Basic ${TEST_TOKEN}` }],
  ])('rejects %s with 401', async (_case, headers) => {
    const response = await get(API_BASE_PATH, headers);
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe('Bearer');
    const body = await readJson(response);
    expect(body.error.code).toBe('UNAUTHORIZED');
    expect(body.error.request_id).toBe(response.headers.get('x-request-id'));
  });

  test('accepts the configured token', async () => {
    const response = await get(API_BASE_PATH, { authorization: `Bearer ${TEST_TOKEN}` });
    expect(response.status).toBe(200);
  });

  test.each(['/healthz', '/readyz', '/metrics', '/openapi.json', '/docs'])(
    '%s is open',
    async (path) => {
      expect((await get(path)).status).toBe(200);
    },
  );

  test('AUTH_DISABLED lets requests in without a token', async () => {
    const open = await startGatewayFixture({ AUTH_DISABLED: 'true', API_TOKENS: '' });
    try {
      expect((await fetch(`${open.gateway.url}${API_BASE_PATH}`)).status).toBe(200);
    } finally {
      await open.close();
    }
  });

  test('missing tokens generate a token file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'gateway-token-'));
    const file = join(dir, 'nested', 'api-token');
    const generated = await startGatewayFixture({ API_TOKENS: '', API_TOKEN_FILE: file });
    try {
      const token = (await readFile(file, 'utf8')).trim();
      expect(token.length).toBeGreaterThanOrEqual(32);
      const url = `${generated.gateway.url}${API_BASE_PATH}`;
      expect((await fetch(url)).status).toBe(401);
      expect((await fetch(url, { headers: { authorization: `Bearer ${token}` } })).status).toBe(
        200,
      );
    } finally {
      await generated.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('requests and errors', () => {
  test('responses carry a request id', async () => {
    const clientIdResponse = await get('/healthz', { 'x-request-id': 'client-id-1' });
    expect(clientIdResponse.headers.get('x-request-id')).toBe('client-id-1');
    const invalid = await get('/healthz', { 'x-request-id': 'bad id with spaces' });
    expect(invalid.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  test('unknown route returns 404 error body', async () => {
    const response = await fixture.request('/api/v1/nothing-here');
    expect(response.status).toBe(404);
    const body = await readJson(response);
    expect(body.error.code).toBe('NOT_FOUND');
    expect(body.error.message).toContain('/api/v1/nothing-here');
  });

  test('an oversized JSON body answers 413', async () => {
    const small = await startGatewayFixture({ MAX_JSON_BODY_BYTES: '1000' });
    try {
      const response = await small.request(API_BASE_PATH, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          name: 'x',
          task_items: [{ order_url: 'x'.repeat(2000), amount: 1 }],
        }),
      });
      expect(response.status).toBe(413);
      expect((await readJson(response)).error.code).toBe('PAYLOAD_TOO_LARGE');
    } finally {
      await small.close();
    }
  });

  test('logs carry request id, not token', async () => {
    const script = new BatchScript(newId(), 1);
    await fixture.publish(...script.imported());
    await batchWhen(fixture, script.batchId);
    await fixture.request(API_BASE_PATH, { headers: { 'x-request-id': 'trace-me' } });

    const text = logLines.join('');
    expect(text).not.toContain(TEST_TOKEN);
    const requestLines = logLines.filter((line) => line.includes('"request finished"'));
    expect(requestLines.length).toBeGreaterThan(0);
    expect(requestLines.every((line) => line.includes('"requestId"'))).toBe(true);
    expect(text).toContain('"requestId":"trace-me"');
  });
});

describe('documentation and operations', () => {
  test('openapi.json lists every endpoint', async () => {
    const document = await readJson(await get('/openapi.json'));
    expect(document.openapi).toBe('3.1.0');
    const paths = document.paths as Record<string, Record<string, unknown>>;
    const operations = Object.entries(paths).flatMap(([path, item]) =>
      Object.keys(item).map((method) => `${method.toUpperCase()} ${path}`),
    );
    for (const operation of [
      `POST ${API_BASE_PATH}`,
      `POST ${API_BASE_PATH}/upload`,
      `GET ${API_BASE_PATH}`,
      `GET ${API_BASE_PATH}/{batch_task_id}`,
      `GET ${API_BASE_PATH}/stats`,
      `POST ${API_BASE_PATH}/{batch_task_id}/control`,
      `POST ${API_BASE_PATH}/{batch_task_id}/retry`,
      `PUT ${API_BASE_PATH}/items/{item_id}`,
      `GET ${API_BASE_PATH}/{batch_task_id}/items`,
      `GET ${API_BASE_PATH}/{batch_task_id}/export`,
      `GET ${API_BASE_PATH}/{batch_task_id}/events`,
      `GET ${API_BASE_PATH}/items/{item_id}/attempts`,
      `GET ${API_BASE_PATH}/items/{item_id}/history`,
    ]) {
      expect(operations).toContain(operation);
    }
    expect(document.components.securitySchemes.bearerAuth.scheme).toBe('bearer');
  });

  test('docs page loads nothing from other hosts', async () => {
    const html = await (await get('/docs')).text();
    expect(html).toContain('/openapi.json');
    expect(html).not.toMatch(/(src|href)\s*=\s*["']?(https?:)?\/\//i);
  });

  test('readyz and metrics report the projection lag', async () => {
    const ready = await readJson(await get('/readyz'));
    expect(ready.status).toBe('ready');
    expect(ready.postgres).toBe('ok');
    expect(ready.projection_lag_events).toBeTypeOf('number');
    const metrics = await (await get('/metrics')).text();
    expect(metrics).toMatch(/^orderflow_projection_lag_events \d+$/m);
    expect(metrics).toContain('orderflow_gateway_request_duration_seconds_bucket');
  });
});
