import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import {
  API_BASE_PATH,
  createEvent,
  itemUpdateRequestSchema,
  OBJECT_BUCKETS,
} from '@orderflow/contracts';
import { waitForProjection } from '../../projector/notification';
import {
  findAttempt,
  findItem,
  isProjected,
  listAttempts,
  listItemEvents,
} from '../../read-model/queries';
import { ApiError } from '../api-error';
import type { AppEnv, GatewayServices } from '../context';
import { limitBody, requireJsonBody } from '../json-body';
import { presentAttempt, presentEvent, presentItem } from '../presenters';
import {
  acceptedSchema,
  attemptListSchema,
  errorResponses,
  itemHistorySchema,
  itemIdParam,
  itemSchema,
} from '../schemas';

function itemNotFound(itemId: string): ApiError {
  return new ApiError('NOT_FOUND', `Item ${itemId} was not found.`, { item_id: itemId });
}

/** Content types of the artifacts a failed attempt leaves behind. */
const ARTIFACT_TYPES = {
  screenshot: 'image/png',
  html: 'text/html; charset=utf-8',
  log: 'application/json',
} as const;

const artifactParams = itemIdParam.extend({
  attempt: z.coerce
    .number()
    .int()
    .min(1)
    .openapi({ param: { name: 'attempt', in: 'path' } }),
  kind: z.enum(['screenshot', 'html', 'log']).openapi({ param: { name: 'kind', in: 'path' } }),
});

/** Registers the item endpoints: hand update, attempt history and artifacts. */
export function registerItems(app: OpenAPIHono<AppEnv>, services: GatewayServices): void {
  registerHandUpdate(app, services);

  app.openapi(
    createRoute({
      method: 'get',
      path: '/items/{item_id}/attempts',
      summary: 'Attempt history of an item',
      tags: ['items'],
      request: { params: itemIdParam },
      responses: {
        200: {
          description: 'Every attempt, first attempt first.',
          content: { 'application/json': { schema: attemptListSchema } },
        },
        ...errorResponses(404),
      },
    }),
    async (c) => {
      const { item_id: itemId } = c.req.valid('param');
      const item = await findItem(services.db, itemId);
      if (!item) throw itemNotFound(itemId);
      const attempts = await listAttempts(services.db, itemId);
      return c.json({ item_id: itemId, attempts: attempts.map(presentAttempt) }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/items/{item_id}/history',
      summary: 'Every event of an item, hand updates with who made them included',
      tags: ['items'],
      request: { params: itemIdParam },
      responses: {
        200: {
          description: 'The events in the order they were stored.',
          content: { 'application/json': { schema: itemHistorySchema } },
        },
        ...errorResponses(404),
      },
    }),
    async (c) => {
      const { item_id: itemId } = c.req.valid('param');
      const item = await findItem(services.db, itemId);
      if (!item) throw itemNotFound(itemId);
      const events = await listItemEvents(services.db, itemId);
      return c.json({ item_id: itemId, events: events.map(presentEvent) }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/items/{item_id}/attempts/{attempt}/artifacts/{kind}',
      summary: 'Screenshot, page HTML or log of a failed attempt',
      tags: ['items'],
      request: { params: artifactParams },
      responses: {
        200: {
          description: 'The file, streamed from the object store.',
          content: {
            'image/png': { schema: z.any().openapi({ type: 'string', format: 'binary' }) },
            'text/html': { schema: z.string() },
            'application/json': { schema: z.any() },
          },
        },
        ...errorResponses(404, 422),
      },
    }),
    async (c) => {
      const { item_id: itemId, attempt, kind } = c.req.valid('param');
      const row = await findAttempt(services.db, itemId, attempt);
      const objectName = row?.artifacts?.[kind];
      const missing = new ApiError(
        'NOT_FOUND',
        `Attempt ${attempt} of item ${itemId} has no ${kind}.`,
        { item_id: itemId, attempt, kind },
      );
      if (!row || !objectName || row.artifacts?.bucket !== OBJECT_BUCKETS.artifacts.bucket) {
        throw missing;
      }
      const result = await services.artifacts.get(objectName).catch((error: unknown) => {
        throw new ApiError(
          'MESSAGING_UNAVAILABLE',
          'The artifact could not be read because NATS is not reachable. Try again shortly.',
          undefined,
          { cause: error },
        );
      });
      if (!result) throw missing;
      const contentType =
        kind === 'screenshot' && /\.jpe?g$/i.test(objectName) ? 'image/jpeg' : ARTIFACT_TYPES[kind];
      return new Response(result.data, {
        status: 200,
        headers: {
          'Content-Type': contentType,
          'Content-Length': String(result.info.size),
          'X-Content-Type-Options': 'nosniff',
          // Captured pages come from other sites; never let them run scripts on this origin.
          'Content-Security-Policy':
            "sandbox; default-src 'none'; img-src data:; style-src 'unsafe-inline'",
          'X-Request-Id': c.get('requestId'),
        },
      });
    },
  );
}

function registerHandUpdate(app: OpenAPIHono<AppEnv>, services: GatewayServices): void {
  app.openapi(
    createRoute({
      method: 'put',
      path: '/items/{item_id}',
      summary: "Set an item's result by hand",
      tags: ['items'],
      middleware: [limitBody(services.config.MAX_JSON_BODY_BYTES), requireJsonBody()] as const,
      request: {
        params: itemIdParam,
        body: {
          required: true,
          content: { 'application/json': { schema: itemUpdateRequestSchema } },
        },
      },
      responses: {
        200: {
          description: 'The item after the update.',
          content: { 'application/json': { schema: itemSchema } },
        },
        202: {
          description: 'The update was recorded but is not projected yet.',
          content: { 'application/json': { schema: acceptedSchema } },
        },
        ...errorResponses(400, 404, 415, 422),
      },
    }),
    async (c) => {
      const { item_id: itemId } = c.req.valid('param');
      const body = c.req.valid('json');
      const item = await findItem(services.db, itemId);
      if (!item) throw itemNotFound(itemId);

      const event = createEvent(
        'item.updated_by_hand',
        {
          source: 'gateway',
          batchId: item.batch_id,
          itemId,
          causationId: c.get('requestId').slice(0, 128),
        },
        {
          status: body.status,
          ...(body.order_number !== undefined ? { orderNumber: body.order_number } : {}),
          ...(body.final_order_url !== undefined ? { finalOrderUrl: body.final_order_url } : {}),
          ...(body.failure_reason !== undefined ? { failureReason: body.failure_reason } : {}),
          updatedBy: c.get('principal').label,
        },
      );
      const ack = await services.bus.publishEvent(event);
      c.get('log').info(
        { batchId: item.batch_id, itemId, status: body.status, seq: ack.seq },
        'item updated by hand',
      );

      const projected = await waitForProjection(
        services.notifier,
        item.batch_id,
        services.config.PROJECTION_WAIT_MS,
        async () => ((await isProjected(services.db, ack.seq)) ? true : undefined),
      );
      if (projected) {
        const updated = await findItem(services.db, itemId);
        return c.json(presentItem(updated!), 200);
      }
      const location = `${API_BASE_PATH}/${item.batch_id}/items`;
      c.header('Location', location);
      return c.json(
        {
          batch_task_id: item.batch_id,
          status: 'accepted',
          message: 'The update was recorded and will show shortly.',
          location,
        },
        202,
      );
    },
  );
}
