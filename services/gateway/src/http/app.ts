import { OpenAPIHono } from '@hono/zod-openapi';
import { API_BASE_PATH } from '@orderflow/contracts';
import { answerOpsRequest, type Readiness } from '@orderflow/service-kit';
import type { Registry } from 'prom-client';
import type { GatewayMetrics } from '../metrics';
import { ApiError } from './api-error';
import { type ApiToken, requireToken } from './auth';
import type { AppEnv, GatewayServices } from './context';
import { DOCS_PAGE_HTML } from './docs-page';
import { createErrorHandler, validationFailed } from './error-handler';
import { requestContext } from './request-context';
import { registerBatchCommands } from './routes/batch-commands';
import { registerBatchReads } from './routes/batch-reads';
import { registerCreateBatch } from './routes/create-batch';
import { registerExport } from './routes/export';
import { registerItems } from './routes/items';
import { registerLiveEvents } from './routes/live-events';
import { registerUploadBatch } from './routes/upload-batch';

/** Options of {@link createApp}. */
export interface AppOptions {
  /** Accepted tokens; undefined turns authentication off. */
  tokens: ApiToken[] | undefined;
  registry: Registry;
  metrics: GatewayMetrics;
  checkReadiness: () => Promise<Readiness>;
}

function newApp() {
  return new OpenAPIHono<AppEnv>({
    // FastAPI clients of the service this replaces call `/api/v1/batch-tasks/` with a trailing
    // slash, so paths match with and without one.
    strict: false,
    defaultHook: (result) => {
      if (!result.success) throw validationFailed(result.error);
    },
  });
}

/**
 * Builds the gateway's Hono app: the REST interface under the base path behind bearer-token
 * authentication, and the open endpoints `/healthz`, `/readyz`, `/metrics`, `/openapi.json`
 * and `/docs`.
 */
export function createApp(services: GatewayServices, options: AppOptions): OpenAPIHono<AppEnv> {
  const app = newApp();
  const onError = createErrorHandler(services.log, services.config.EXPOSE_ERROR_STACKS);
  app.use('*', requestContext(services.log, options.metrics.observeRequest));
  app.onError(onError);
  app.notFound((c) => {
    throw new ApiError('NOT_FOUND', `No route matches ${c.req.method} ${c.req.path}.`);
  });

  for (const path of ['/healthz', '/readyz', '/metrics']) {
    app.get(path, async (c) => {
      const answer = await answerOpsRequest(path, {
        registry: options.registry,
        checkReadiness: options.checkReadiness,
      });
      return c.body(answer!.body, answer!.status as 200, { 'Content-Type': answer!.contentType });
    });
  }

  const api = newApp();
  api.onError(onError);
  api.use('*', requireToken(options.tokens));
  registerCreateBatch(api, services);
  registerUploadBatch(api, services);
  registerItems(api, services);
  registerBatchReads(api, services);
  registerBatchCommands(api, services);
  registerExport(api, services);
  registerLiveEvents(api, services);
  app.route(API_BASE_PATH, api);

  app.openAPIRegistry.registerComponent('securitySchemes', 'bearerAuth', {
    type: 'http',
    scheme: 'bearer',
  });
  app.doc31('/openapi.json', {
    openapi: '3.1.0',
    info: {
      title: 'Orderflow API',
      version: '1.0.0',
      description: 'Batches of order links worked through real browsers.',
    },
    security: [{ bearerAuth: [] }],
  });
  app.get('/docs', (c) =>
    c.html(DOCS_PAGE_HTML, 200, {
      'Content-Security-Policy':
        "default-src 'self'; script-src 'unsafe-inline'; style-src 'unsafe-inline'",
    }),
  );
  return app;
}
