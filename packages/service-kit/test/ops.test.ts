import { Writable } from 'node:stream';
import { pino } from 'pino';
import { Counter } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { createLogger, createMetricsRegistry, REDACTED_PATHS, startOpsServer } from '../src/index';

describe('startOpsServer', () => {
  it('answers health, readiness and metrics', async () => {
    const registry = createMetricsRegistry('test-service');
    new Counter({ name: 'orderflow_test_total', help: 'test counter', registers: [registry] }).inc(
      3,
    );
    let ready = false;
    const server = await startOpsServer({
      port: 0,
      host: '127.0.0.1',
      log: createLogger('test', 'silent'),
      registry,
      checkReadiness: () => ({ ready, details: { projectionLag: 7 } }),
    });
    try {
      const base = `http://127.0.0.1:${server.port}`;
      expect((await fetch(`${base}/healthz`)).status).toBe(200);

      const notReady = await fetch(`${base}/readyz`);
      expect(notReady.status).toBe(503);
      expect(await notReady.json()).toEqual({ status: 'not ready', projectionLag: 7 });
      ready = true;
      expect((await fetch(`${base}/readyz`)).status).toBe(200);

      const metrics = await (await fetch(`${base}/metrics`)).text();
      expect(metrics).toContain('orderflow_test_total{service="test-service"} 3');
      expect(metrics).toContain('process_cpu_user_seconds_total');
      expect((await fetch(`${base}/other`)).status).toBe(404);
    } finally {
      await server.close();
    }
  });
});

describe('logger redaction', () => {
  it('never writes tokens or authorization headers', () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _encoding, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const log = pino({ redact: { paths: REDACTED_PATHS, censor: '[redacted]' } }, sink);
    log.info(
      { token: 'secret-1', req: { headers: { authorization: 'Bearer secret-2' } }, batchId: 'b1' },
      'request',
    );
    const text = lines.join('');
    expect(text).not.toContain('secret-1');
    expect(text).not.toContain('secret-2');
    expect(text).toContain('b1');
  });
});
