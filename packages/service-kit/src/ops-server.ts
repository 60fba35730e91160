import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { collectDefaultMetrics, Registry } from 'prom-client';

/** Result of a readiness check; `details` is returned as JSON to the caller. */
export interface Readiness {
  ready: boolean;
  details?: Record<string, unknown>;
}

/** Options of {@link startOpsServer}. */
export interface OpsServerOptions {
  /** Port to listen on; 0 picks a free one. */
  port: number;
  /** Host to bind; default all interfaces so that probes from a kubelet reach it. */
  host?: string;
  log: Logger;
  registry: Registry;
  /** Decides readiness for `/readyz`; liveness (`/healthz`) only needs the process to respond. */
  checkReadiness: () => Promise<Readiness> | Readiness;
}

/** A running ops server. */
export interface OpsServer {
  port: number;
  close(): Promise<void>;
}

/** Creates a metrics registry with Node's default process metrics and a `service` label. */
export function createMetricsRegistry(service: string): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry });
  return registry;
}

/** Builds the response to one ops request, or returns undefined when the path is not an ops path. */
export async function answerOpsRequest(
  path: string,
  options: Pick<OpsServerOptions, 'registry' | 'checkReadiness'>,
): Promise<{ status: number; contentType: string; body: string } | undefined> {
  if (path === '/healthz') {
    return { status: 200, contentType: 'application/json', body: '{"status":"ok"}' };
  }
  if (path === '/readyz') {
    const readiness = await options.checkReadiness();
    return {
      status: readiness.ready ? 200 : 503,
      contentType: 'application/json',
      body: JSON.stringify({
        status: readiness.ready ? 'ready' : 'not ready',
        ...readiness.details,
      }),
    };
  }
  if (path === '/metrics') {
    return {
      status: 200,
      contentType: options.registry.contentType,
      body: await options.registry.metrics(),
    };
  }
  return undefined;
}

/** Serves `/healthz`, `/readyz` and `/metrics` on their own port. */
export async function startOpsServer(options: OpsServerOptions): Promise<OpsServer> {
  const log = options.log.child({ component: 'ops-server' });
  const server: Server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0] ?? '/';
    answerOpsRequest(path, options)
      .then((answer) => {
        if (!answer) {
          response
            .writeHead(404, { 'content-type': 'application/json' })
            .end('{"status":"not found"}');
          return;
        }
        response.writeHead(answer.status, { 'content-type': answer.contentType }).end(answer.body);
      })
      .catch((error: unknown) => {
        log.error({ err: error, path }, 'ops request failed');
        response.writeHead(500, { 'content-type': 'application/json' }).end('{"status":"error"}');
      });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '0.0.0.0', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  log.info({ port }, 'ops server listening');

  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
