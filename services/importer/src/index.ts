import { jetstream } from '@nats-io/jetstream';
import { type ObjectStore, Objm } from '@nats-io/obj';
import type { NatsConnection } from '@nats-io/transport-node';
import { IMPORTER_CONSUMER } from '@orderflow/contracts';
import { policyFromEnvConfig } from '@orderflow/url-policy';
import type { Logger } from 'pino';
import { Registry } from 'prom-client';
import type { Config } from './config';
import { startImportConsumer } from './import-consumer';
import { createImporterMetrics } from './metrics';
import type { ImportSettings } from './run-import';

export { type Config, configSchema } from './config';
export { ImportRejection, type RejectionCode } from './import-rejection';
export { MAX_CHUNK_ITEMS_CHARS } from './publish-batch';
export { normalizeAmountText } from './rows/amount-cell';
export { type ImportOutcome, type ImportSettings, runImport } from './run-import';
export { detectFormat } from './source/detect-format';

/** Dependencies of the importer, given by its composition root. */
export interface ImporterDeps {
  /** An open connection; the caller closes it. JetStream must already be provisioned. */
  nc: NatsConnection;
  log: Logger;
  /** Registry for the importer metrics; a private one when omitted. */
  registry?: Registry;
}

/** A running importer. */
export interface ImporterHandle {
  /** Stops pulling commands and resolves once the current import has finished. */
  stop(): Promise<void>;
  /** Whether an import is running now. */
  readonly busy: boolean;
}

/** Builds the import settings from the parsed configuration. */
export function settingsFromConfig(config: Config): ImportSettings {
  return {
    maxFileBytes: config.IMPORT_MAX_FILE_BYTES,
    maxRows: config.IMPORT_MAX_ROWS,
    maxUncompressedBytes: config.IMPORT_MAX_UNCOMPRESSED_BYTES,
    maxCellChars: config.IMPORT_MAX_CELL_CHARS,
    maxAmount: config.IMPORT_MAX_AMOUNT,
    policy: policyFromEnvConfig(config),
    publishWindow: config.IMPORT_PUBLISH_WINDOW,
  };
}

/**
 * Starts pulling import commands from the durable consumer `importer` and turning them into
 * batches. Runs in-process, so that tests and the composition root share the same code.
 */
export async function startImporter(config: Config, deps: ImporterDeps): Promise<ImporterHandle> {
  const log = deps.log.child({ component: 'importer' });
  const js = jetstream(deps.nc);
  const consumer = await js.consumers.get(IMPORTER_CONSUMER.stream, IMPORTER_CONSUMER.durable_name);
  const objm = new Objm(deps.nc);
  const buckets = new Map<string, Promise<ObjectStore>>();
  const openBucket = (bucket: string) => {
    let store = buckets.get(bucket);
    if (!store) {
      store = objm.open(bucket);
      // A failed open is not cached, so the next delivery tries again.
      store.catch(() => buckets.delete(bucket));
      buckets.set(bucket, store);
    }
    return store;
  };

  const metrics = createImporterMetrics(deps.registry ?? new Registry());
  return startImportConsumer({
    js,
    consumer,
    openBucket,
    settings: settingsFromConfig(config),
    log,
    metrics,
  });
}
