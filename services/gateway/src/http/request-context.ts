import { randomUUID } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import type { Logger } from 'pino';
import type { AppEnv } from './context';

const CLIENT_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Header that carries the request id in both directions. */
export const REQUEST_ID_HEADER = 'X-Request-Id';

/**
 * Gives every request an id (the client's `X-Request-Id` when it is well formed), returns it in
 * the response header, binds it to a child logger, and logs the outcome of the request. Only the
 * method, route, status and duration are logged; no headers, bodies or query values.
 */
export function requestContext(
  log: Logger,
  onFinished?: (method: string, route: string, status: number, seconds: number) => void,
): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const offered = c.req.header(REQUEST_ID_HEADER);
    const requestId = offered && CLIENT_REQUEST_ID.test(offered) ? offered : randomUUID();
    const requestLog = log.child({ requestId });
    c.set('requestId', requestId);
    c.set('log', requestLog);
    c.header(REQUEST_ID_HEADER, requestId);

    const startedAt = performance.now();
    await next();
    const seconds = (performance.now() - startedAt) / 1_000;
    const route = c.req.routePath;
    onFinished?.(c.req.method, route, c.res.status, seconds);
    requestLog.debug(
      { method: c.req.method, route, status: c.res.status, durationMs: Math.round(seconds * 1e3) },
      'request finished',
    );
  };
}
