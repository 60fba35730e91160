import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import {
  createBatchRequestSchema,
  type ImportBatchCommand,
  newId,
  OBJECT_BUCKETS,
} from '@orderflow/contracts';
import {
  claimIdempotencyKey,
  type ImportIds,
  importIds,
  MAX_INLINE_ITEMS_BYTES,
  requestHash,
  respondWithImportOutcome,
} from '../../commands/import-flow';
import { findBatch } from '../../read-model/queries';
import type { AppEnv, GatewayServices } from '../context';
import { limitBody, requireJsonBody } from '../json-body';
import { asRouteResponse } from '../route-response';
import { acceptedSchema, batchDetailSchema, errorResponses } from '../schemas';

const idempotencyHeader = z.object({
  'idempotency-key': z
    .string()
    .optional()
    .openapi({ description: 'Repeating a request with the same key returns the first batch.' }),
});

/** Registers `POST /`: create a batch from JSON items. */
export function registerCreateBatch(app: OpenAPIHono<AppEnv>, services: GatewayServices): void {
  const route = createRoute({
    method: 'post',
    path: '/',
    summary: 'Create a batch from JSON items',
    tags: ['batches'],
    middleware: [limitBody(services.config.MAX_JSON_BODY_BYTES), requireJsonBody()] as const,
    request: {
      headers: idempotencyHeader,
      body: {
        required: true,
        content: { 'application/json': { schema: createBatchRequestSchema } },
      },
    },
    responses: {
      201: {
        description: 'The batch was imported.',
        content: { 'application/json': { schema: batchDetailSchema } },
      },
      202: {
        description: 'The import is still running; poll the Location.',
        content: { 'application/json': { schema: acceptedSchema } },
      },
      ...errorResponses(400, 409, 413, 415, 422),
    },
  });

  app.openapi(route, async (c) => {
    const body = c.req.valid('json');
    const ids = importIds(c.get('principal').label, c.req.header('idempotency-key'));
    if (ids.idempotencyKey) {
      await claimIdempotencyKey(services.db, ids, requestHash(JSON.stringify(body)));
      if (await findBatch(services.db, ids.batchId)) {
        return asRouteResponse(await respondWithImportOutcome(c, services, ids));
      }
    }

    const command: ImportBatchCommand = {
      type: 'import',
      commandId: ids.commandId,
      batchId: ids.batchId,
      issuedAt: new Date().toISOString(),
      requestedBy: c.get('principal').label,
      name: body.name,
      ...(body.description ? { description: body.description } : {}),
      source: await itemsSource(services, ids, body.task_items, await c.req.text()),
      options: {
        skipInvalid: body.skip_invalid ?? false,
        allowDuplicates: body.allow_duplicates ?? false,
        ...(body.max_concurrency ? { maxConcurrency: body.max_concurrency } : {}),
      },
      ...(ids.idempotencyKey ? { idempotencyKey: ids.idempotencyKey } : {}),
    };
    await services.bus.publishImport(command);
    c.get('log').info(
      { batchId: ids.batchId, commandId: ids.commandId, itemCount: body.task_items.length },
      'import command published',
    );
    return asRouteResponse(await respondWithImportOutcome(c, services, ids));
  });
}

/**
 * Puts the items into the command when they fit in one message, and otherwise stores the
 * request body in the uploads bucket for the importer to read.
 */
async function itemsSource(
  services: GatewayServices,
  ids: ImportIds,
  items: Array<Record<string, unknown>>,
  bodyText: string,
): Promise<ImportBatchCommand['source']> {
  if (Buffer.byteLength(JSON.stringify(items)) <= MAX_INLINE_ITEMS_BYTES) {
    return { kind: 'items', items };
  }
  const objectName = `json/${ids.batchId}/${newId()}.json`;
  const data = Buffer.from(bodyText);
  await services.uploads.putBlob({ name: objectName }, data);
  return {
    kind: 'object',
    bucket: OBJECT_BUCKETS.uploads.bucket,
    objectName,
    contentType: 'application/json',
    sizeBytes: data.byteLength,
    format: 'json',
  };
}
