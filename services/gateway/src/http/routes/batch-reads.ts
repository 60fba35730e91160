import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import { API_BASE_PATH, listBatchesQuerySchema, listItemsQuerySchema } from '@orderflow/contracts';
import {
  countBatches,
  findBatch,
  listBatches,
  listItems,
  readStats,
} from '../../read-model/queries';
import { ApiError } from '../api-error';
import { BatchDetailCache, itemTotal } from '../batch-detail';
import type { AppEnv, GatewayServices } from '../context';
import { pageInfo, presentBatch, presentItem } from '../presenters';
import { asRouteResponse } from '../route-response';
import {
  batchDetailSchema,
  batchIdParam,
  batchListSchema,
  errorResponses,
  itemListSchema,
  statsSchema,
} from '../schemas';

/** Raises 404 for a batch id that no projected batch has. */
export function batchNotFound(batchId: string): ApiError {
  return new ApiError('NOT_FOUND', `Batch ${batchId} was not found.`, { batch_task_id: batchId });
}

/** Registers the read endpoints of batches: list, stats, detail and item pages. */
export function registerBatchReads(app: OpenAPIHono<AppEnv>, services: GatewayServices): void {
  const { db } = services;
  const detailCache = new BatchDetailCache();

  app.openapi(
    createRoute({
      method: 'get',
      path: '/',
      summary: 'List batches, newest first',
      tags: ['batches'],
      request: { query: listBatchesQuerySchema },
      responses: {
        200: {
          description: 'A page of batches; X-Total-Count has the number of matching batches.',
          headers: { 'X-Total-Count': { schema: { type: 'integer' } } },
          content: { 'application/json': { schema: batchListSchema } },
        },
        ...errorResponses(422),
      },
    }),
    async (c) => {
      const query = c.req.valid('query');
      const [rows, total] = await Promise.all([
        listBatches(db, query),
        countBatches(db, query.status),
      ]);
      c.header('X-Total-Count', String(total));
      return c.json(rows.map(presentBatch), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/stats',
      summary: 'Totals across batches',
      tags: ['batches'],
      responses: {
        200: {
          description: 'Batches and items per status.',
          content: { 'application/json': { schema: statsSchema } },
        },
        ...errorResponses(),
      },
    }),
    async (c) => c.json(await readStats(db), 200),
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/{batch_task_id}',
      summary: 'One batch with the first page of its items',
      tags: ['batches'],
      request: { params: batchIdParam },
      responses: {
        200: {
          description: 'The batch.',
          content: { 'application/json': { schema: batchDetailSchema } },
        },
        ...errorResponses(404),
      },
    }),
    async (c) => {
      const { batch_task_id: batchId } = c.req.valid('param');
      const batch = await findBatch(db, batchId);
      if (!batch) throw batchNotFound(batchId);
      const body = await detailCache.render(db, batch, services.config.DETAIL_PAGE_SIZE);
      return asRouteResponse(c.body(body, 200, { 'Content-Type': 'application/json' }));
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/{batch_task_id}/items',
      summary: 'A page of the items of a batch, in import order',
      tags: ['items'],
      request: { params: batchIdParam, query: listItemsQuerySchema },
      responses: {
        200: {
          description: 'A page of items.',
          content: { 'application/json': { schema: itemListSchema } },
        },
        ...errorResponses(404, 422),
      },
    }),
    async (c) => {
      const { batch_task_id: batchId } = c.req.valid('param');
      const query = c.req.valid('query');
      const batch = await findBatch(db, batchId);
      if (!batch) throw batchNotFound(batchId);
      const items = await listItems(db, batchId, query);
      const page = pageInfo(query.skip, query.limit, items.length, itemTotal(batch, query.status));
      const statusParam = query.status ? `&status=${query.status}` : '';
      const next = page.has_more
        ? `${API_BASE_PATH}/${batchId}/items?skip=${query.skip + query.limit}&limit=${query.limit}${statusParam}`
        : null;
      return c.json({ items: items.map(presentItem), page: { ...page, next } }, 200);
    },
  );
}
