import type { JetStreamClient } from '@nats-io/jetstream';
import { createEvent, type ImportBatchCommand } from '@orderflow/contracts';
import type { AddressPolicy } from '@orderflow/url-policy';
import type { Logger } from 'pino';
import { ImportRejection, type RejectionCode } from './import-rejection';
import {
  chunkItems,
  EventPublisher,
  type ImportEventContext,
  importEventIds,
  itemsAddedMessage,
} from './publish-batch';
import { type OpenBucket, readSource, type SourceLimits } from './read-source';
import { rowError } from './rows/row-errors';
import type { SourceTable } from './rows/source-table';
import { RowValidator, type ValidationResult } from './rows/validate-rows';

/** Limits and settings of one import. */
export interface ImportSettings extends SourceLimits {
  maxAmount: string;
  policy: AddressPolicy;
  /** Chunk publishes awaiting their ack at the same time. */
  publishWindow: number;
}

/** Dependencies of an import. */
export interface ImportDeps {
  js: JetStreamClient;
  openBucket: OpenBucket;
  settings: ImportSettings;
  log: Logger;
}

/** Outcome of an import. Both kinds are final and let the command be acknowledged. */
export type ImportOutcome =
  | {
      status: 'created';
      itemCount: number;
      chunkCount: number;
      skippedCount: number;
      /** Milliseconds spent reading and validating the rows. */
      readMs: number;
    }
  | { status: 'rejected'; code: RejectionCode; errorCount: number };

/**
 * Runs one import command to its final event: `batch.items_added` chunks and `batch.created`,
 * or one `batch.import_rejected`. Every event id derives from the batch id, so running the
 * same command again publishes the same messages, which JetStream drops as duplicates within
 * its window. Errors other than a rejection (NATS unavailable) are thrown for a retry.
 */
export async function runImport(
  command: ImportBatchCommand,
  deps: ImportDeps,
): Promise<ImportOutcome> {
  const context = { batchId: command.batchId, commandId: command.commandId };
  const publisher = new EventPublisher(deps.js, deps.settings.publishWindow);
  try {
    const started = performance.now();
    const { table, result } = await readAndValidate(command, deps);
    const readMs = Math.round(performance.now() - started);
    return { ...(await publishBatch(command, context, table, result, publisher)), readMs };
  } catch (error) {
    if (!(error instanceof ImportRejection)) throw error;
    await publishRejection(command, context, error, publisher);
    return { status: 'rejected', code: error.code, errorCount: error.errorCount };
  }
}

/**
 * Reads the rows into a validator that checks each one as it arrives, then finds repeated links
 * and decides whether the import goes ahead.
 */
async function readAndValidate(
  command: ImportBatchCommand,
  deps: ImportDeps,
): Promise<{ table: SourceTable; result: ValidationResult }> {
  const validator = new RowValidator({
    ...deps.settings,
    allowDuplicates: command.options.allowDuplicates,
    numbering:
      command.source.kind === 'items' || command.source.format === 'json' ? 'index' : 'row',
  });
  const table = await readSource(command, deps.openBucket, deps.settings, validator);
  const result = validator.finish();
  checkOutcome(table, result, command.options.skipInvalid);
  return { table, result };
}

function checkOutcome(table: SourceTable, result: ValidationResult, skipInvalid: boolean): void {
  const rowCount = result.rowCount;
  if (rowCount === 0) {
    const message =
      table.kind === 'json' ? 'The request has no items' : 'The sheet has no rows below its header';
    const error = rowError(undefined, undefined, undefined, 'missing_value', message);
    throw new ImportRejection('IMPORT_REJECTED', message, [error]);
  }
  if (result.errors.count === 0) return;
  if (skipInvalid && result.items.length > 0) return;

  const rows = table.kind === 'json' ? 'items' : 'rows';
  const message = skipInvalid
    ? `None of the ${rowCount} ${rows} is valid; fix them and import again`
    : `${result.invalidRowCount} of ${rowCount} ${rows} are invalid, with ${result.errors.count} ` +
      `errors; fix them and import again, or import with invalid ${rows} skipped`;
  throw new ImportRejection('IMPORT_REJECTED', message, result.errors.errors, result.errors.count);
}

async function publishBatch(
  command: ImportBatchCommand,
  context: ImportEventContext,
  table: SourceTable,
  result: ValidationResult,
  publisher: EventPublisher,
): Promise<Omit<Extract<ImportOutcome, { status: 'created' }>, 'readMs'>> {
  let chunkCount = 0;
  for (const items of chunkItems(command.batchId, result.items)) {
    await publisher.publishEncoded(itemsAddedMessage(context, chunkCount, items));
    chunkCount += 1;
  }
  // Every chunk must be stored before `batch.created`, because the read model shows the batch
  // only once that event arrives and expects all items to be there.
  await publisher.flush();

  const created = createEvent(
    'batch.created',
    {
      source: 'importer',
      batchId: command.batchId,
      causationId: command.commandId,
      id: importEventIds.created(command.batchId),
    },
    {
      name: command.name,
      ...(command.description === undefined ? {} : { description: command.description }),
      itemCount: result.items.length,
      chunkCount,
      source: {
        kind: table.kind,
        ...(command.source.kind === 'object' && command.source.fileName
          ? { fileName: command.source.fileName }
          : {}),
        ...(table.sheet === undefined ? {} : { sheet: table.sheet }),
      },
      columns: table.columns,
      ...(command.options.maxConcurrency === undefined
        ? {}
        : { maxConcurrency: command.options.maxConcurrency }),
      skippedRows: result.errors.errors,
      skippedCount: result.invalidRowCount,
      ...(command.idempotencyKey === undefined ? {} : { idempotencyKey: command.idempotencyKey }),
      ...(command.requestedBy === undefined ? {} : { requestedBy: command.requestedBy }),
    },
  );
  await publisher.publish(created);
  await publisher.flush();
  return {
    status: 'created',
    itemCount: result.items.length,
    chunkCount,
    skippedCount: result.invalidRowCount,
  };
}

/**
 * Publishes `batch.import_rejected` and waits for its ack. The consumer also calls it with an
 * INTERNAL rejection when an import failed on its last delivery, so that the batch does not stay
 * unknown.
 */
export async function publishRejection(
  command: ImportBatchCommand,
  context: ImportEventContext,
  rejection: ImportRejection,
  publisher: EventPublisher,
): Promise<void> {
  const event = createEvent(
    'batch.import_rejected',
    {
      source: 'importer',
      batchId: context.batchId,
      causationId: context.commandId,
      id: importEventIds.rejected(context.batchId),
    },
    {
      name: command.name,
      code: rejection.code,
      message: rejection.message,
      errors: rejection.errors,
      errorCount: rejection.errorCount,
      ...(command.idempotencyKey === undefined ? {} : { idempotencyKey: command.idempotencyKey }),
    },
  );
  await publisher.publish(event);
  await publisher.flush();
}
