import { createHash } from 'node:crypto';
import {
  API_BASE_PATH,
  deriveId,
  type ErrorCode,
  MAX_MESSAGE_BYTES,
  newId,
} from '@orderflow/contracts';
import type { Context } from 'hono';
import type { ReadModelDb } from '../db/database';
import { ApiError } from '../http/api-error';
import { loadBatchDetail } from '../http/batch-detail';
import type { AppEnv, GatewayServices } from '../http/context';
import { waitForProjection } from '../projector/notification';
import { findBatch, findImportRejection } from '../read-model/queries';

/** Ids of one create request; derived from the Idempotency-Key when the client sent one. */
export interface ImportIds {
  commandId: string;
  batchId: string;
  idempotencyKey?: string;
}

/** Room left in a command for everything but the items, so that a command stays one message. */
const COMMAND_ENVELOPE_BYTES = 16 * 1024;

/** Largest inline item list, in bytes of JSON; larger bodies go through the object store. */
export const MAX_INLINE_ITEMS_BYTES = MAX_MESSAGE_BYTES - COMMAND_ENVELOPE_BYTES;

const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;

/**
 * Chooses the command and batch ids. With an Idempotency-Key they are derived from the key and
 * the token label, so that a repeated request maps to the first batch and JetStream drops the
 * repeated command.
 */
export function importIds(tokenLabel: string, idempotencyKey: string | undefined): ImportIds {
  if (idempotencyKey === undefined) return { commandId: newId(), batchId: newId() };
  if (!IDEMPOTENCY_KEY.test(idempotencyKey)) {
    throw new ApiError(
      'BAD_REQUEST',
      'The Idempotency-Key header must be 1 to 255 visible ASCII characters.',
    );
  }
  const commandId = deriveId(`idempotency:${tokenLabel}`, idempotencyKey);
  return { commandId, batchId: deriveId(commandId, 'batch'), idempotencyKey };
}

/** SHA-256 of the parts of a request, to tell a repeated request from a different one. */
export function requestHash(...parts: Array<string | Buffer>): string {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part).update('\0');
  return hash.digest('hex');
}

/**
 * Records the Idempotency-Key with the hash of its request. Returns true when the key is new,
 * false for a repeat of the same request, and raises 409 when the key came with another request.
 */
export async function claimIdempotencyKey(
  db: ReadModelDb,
  ids: ImportIds,
  hash: string,
): Promise<boolean> {
  const inserted = await db
    .insertInto('idempotency_keys')
    .values({ key_id: ids.commandId, request_hash: hash, batch_id: ids.batchId })
    .onConflict((oc) => oc.column('key_id').doNothing())
    .returning('key_id')
    .executeTakeFirst();
  if (inserted) return true;
  const existing = await db
    .selectFrom('idempotency_keys')
    .select('request_hash')
    .where('key_id', '=', ids.commandId)
    .executeTakeFirstOrThrow();
  if (existing.request_hash !== hash) {
    throw new ApiError(
      'IDEMPOTENCY_CONFLICT',
      'This Idempotency-Key was already used with a different request; use a new key.',
      { batch_task_id: ids.batchId },
    );
  }
  return false;
}

/**
 * Waits, up to IMPORT_WAIT_MS, for the importer's outcome as projected: 201 with the batch,
 * an error with the row errors when the import was rejected, or 202 with a Location to poll.
 */
export async function respondWithImportOutcome(
  c: Context<AppEnv>,
  services: GatewayServices,
  ids: ImportIds,
): Promise<Response> {
  const { db, notifier, config } = services;
  const outcome = await waitForProjection(
    notifier,
    ids.batchId,
    config.IMPORT_WAIT_MS,
    async () => {
      const batch = await findBatch(db, ids.batchId);
      if (batch) return { batch };
      const rejection = await findImportRejection(db, ids.batchId);
      return rejection ? { rejection } : undefined;
    },
  );
  const location = `${API_BASE_PATH}/${ids.batchId}`;
  if (outcome?.batch) {
    c.header('Location', location);
    return c.json(await loadBatchDetail(db, outcome.batch, config.DETAIL_PAGE_SIZE), 201);
  }
  if (outcome?.rejection) {
    const data = outcome.rejection.data as { code: ErrorCode; message: string; errors: unknown[] };
    throw new ApiError(data.code, data.message, {
      batch_task_id: ids.batchId,
      errors: data.errors,
      error_count: (outcome.rejection.data as { errorCount?: number }).errorCount,
    });
  }
  c.header('Location', location);
  return c.json(
    {
      batch_task_id: ids.batchId,
      command_id: ids.commandId,
      status: 'importing',
      message: 'The import is still running; poll the Location for the batch.',
      location,
    },
    202,
  );
}
