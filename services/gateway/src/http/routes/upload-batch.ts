import type { OpenAPIHono } from '@hono/zod-openapi';
import { z } from '@hono/zod-openapi';
import { type ImportBatchCommand, newId, OBJECT_BUCKETS } from '@orderflow/contracts';
import {
  claimIdempotencyKey,
  importIds,
  requestHash,
  respondWithImportOutcome,
} from '../../commands/import-flow';
import { type ParsedUpload, streamUpload } from '../../commands/multipart-upload';
import { findBatch } from '../../read-model/queries';
import { ApiError } from '../api-error';
import type { AppEnv, GatewayServices } from '../context';
import { acceptedSchema, batchDetailSchema, errorResponses } from '../schemas';

/** Room for the multipart boundaries and text fields around the file. */
const FORM_OVERHEAD_BYTES = 256 * 1024;

const uploadFieldsSchema = z.object({
  name: z.string().trim().min(1, 'name is required').max(255),
  description: z.string().max(10_000).optional(),
  skip_invalid: z.enum(['true', 'false']).optional(),
  allow_duplicates: z.enum(['true', 'false']).optional(),
  max_concurrency: z.coerce.number().int().min(1).max(1_000).optional(),
});

/** Registers `POST /upload`: create a batch from an uploaded workbook or CSV file. */
export function registerUploadBatch(app: OpenAPIHono<AppEnv>, services: GatewayServices): void {
  app.openAPIRegistry.registerPath({
    method: 'post',
    path: '/upload',
    summary: 'Create a batch from an Excel workbook or CSV file',
    tags: ['batches'],
    security: [{ bearerAuth: [] }],
    request: {
      body: {
        required: true,
        content: {
          'multipart/form-data': {
            schema: uploadFieldsSchema.extend({
              file: z.any().openapi({ type: 'string', format: 'binary' }),
            }),
          },
        },
      },
    },
    responses: {
      201: {
        description: 'The batch was imported.',
        content: { 'application/json': { schema: batchDetailSchema } },
      },
      202: {
        description: 'The file is still being read; poll the Location.',
        content: { 'application/json': { schema: acceptedSchema } },
      },
      ...errorResponses(400, 409, 413, 415, 422),
    },
  });

  app.post('/upload', async (c) => {
    const maxFileBytes = services.config.MAX_UPLOAD_BYTES;
    const contentType = c.req.header('content-type') ?? '';
    if (!/^multipart\/form-data\s*;/i.test(contentType)) {
      throw new ApiError(
        'UNSUPPORTED_MEDIA_TYPE',
        `Send the file as multipart/form-data with the field "file" (got ${contentType || 'no content type'}).`,
      );
    }
    const declaredBytes = Number(c.req.header('content-length') ?? 0);
    if (declaredBytes > maxFileBytes + FORM_OVERHEAD_BYTES) throw fileTooLarge(maxFileBytes);
    if (!c.req.raw.body) throw new ApiError('BAD_REQUEST', 'The request has no body.');

    const ids = importIds(c.get('principal').label, c.req.header('idempotency-key'));
    const upload = await streamUpload({
      body: c.req.raw.body,
      contentType,
      store: services.uploads,
      objectName: `files/${ids.batchId}/${newId()}`,
      maxFileBytes,
      fileField: 'file',
    });
    const discard = () => services.uploads.delete(upload.file?.objectName ?? '').catch(() => 0);

    try {
      const fields = validateFields(upload);
      const file = upload.file!;
      if (ids.idempotencyKey) {
        const hash = requestHash(JSON.stringify(fields), file.sha256);
        await claimIdempotencyKey(services.db, ids, hash);
        if (await findBatch(services.db, ids.batchId)) {
          await discard();
          return respondWithImportOutcome(c, services, ids);
        }
      }
      const command: ImportBatchCommand = {
        type: 'import',
        commandId: ids.commandId,
        batchId: ids.batchId,
        issuedAt: new Date().toISOString(),
        requestedBy: c.get('principal').label,
        name: fields.name,
        ...(fields.description ? { description: fields.description } : {}),
        source: {
          kind: 'object',
          bucket: OBJECT_BUCKETS.uploads.bucket,
          objectName: file.objectName,
          fileName: file.fileName.slice(0, 255),
          contentType: file.contentType.slice(0, 255),
          sizeBytes: file.sizeBytes,
        },
        options: {
          skipInvalid: fields.skip_invalid === 'true',
          allowDuplicates: fields.allow_duplicates === 'true',
          ...(fields.max_concurrency ? { maxConcurrency: fields.max_concurrency } : {}),
        },
        ...(ids.idempotencyKey ? { idempotencyKey: ids.idempotencyKey } : {}),
      };
      await services.bus.publishImport(command);
      c.get('log').info(
        { batchId: ids.batchId, commandId: ids.commandId, sizeBytes: file.sizeBytes },
        'import command published for an upload',
      );
    } catch (error) {
      await discard();
      throw error;
    }
    return respondWithImportOutcome(c, services, ids);
  });
}

function fileTooLarge(maxFileBytes: number): ApiError {
  return new ApiError(
    'PAYLOAD_TOO_LARGE',
    `The file is larger than the limit of ${maxFileBytes} bytes.`,
    { max_bytes: maxFileBytes },
  );
}

function validateFields(upload: ParsedUpload) {
  const result = uploadFieldsSchema.safeParse(upload.fields);
  const problems = result.success
    ? []
    : result.error.issues.map((issue) => ({ field: issue.path.join('.'), message: issue.message }));
  if (!upload.file) problems.push({ field: 'file', message: 'file is required' });
  else if (upload.file.sizeBytes === 0) problems.push({ field: 'file', message: 'file is empty' });
  if (!result.success || problems.length > 0) {
    throw new ApiError(
      'VALIDATION_FAILED',
      `Invalid upload: ${problems.map((problem) => `${problem.field}: ${problem.message}`).join('; ')}`,
      { fields: problems },
    );
  }
  return result.data;
}
