import { type JetStreamClient, jetstream, jetstreamManager } from '@nats-io/jetstream';
import { Objm } from '@nats-io/obj';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import {
  EVENTS_STREAM,
  type ImportBatchCommand,
  newId,
  OBJECT_BUCKETS,
  type OrderflowEvent,
  parseEvent,
  subjects,
} from '@orderflow/contracts';
import { type NatsServerHandle, startNatsServer } from '@orderflow/harness';
import { createLogger, encodeJson, parseConfig, provisionJetStream } from '@orderflow/service-kit';
import { configSchema } from '../../src/config';
import { type ImporterHandle, startImporter } from '../../src/index';

/** The events of one import, once its final event has arrived. */
export interface ImportResult {
  events: OrderflowEvent[];
  created?: OrderflowEvent<'batch.created'>;
  rejected?: OrderflowEvent<'batch.import_rejected'>;
  items: OrderflowEvent<'batch.items_added'>['data']['items'];
}

/** A real nats-server with an importer running in-process against it. */
export interface ImporterFixture {
  nats: NatsServerHandle;
  nc: NatsConnection;
  js: JetStreamClient;
  importer: ImporterHandle;
  /** Stores a file in the uploads bucket and returns the command source that points at it. */
  upload(
    bytes: Uint8Array,
    fileName?: string,
    format?: 'json',
  ): Promise<ImportBatchCommand['source']>;
  /** Publishes an import command and returns it. */
  sendImport(
    source: ImportBatchCommand['source'],
    options?: Partial<ImportBatchCommand['options']>,
    batchId?: string,
  ): Promise<ImportBatchCommand>;
  /** Publishes the command and waits for its final event. */
  importAndWait(
    source: ImportBatchCommand['source'],
    options?: Partial<ImportBatchCommand['options']>,
  ): Promise<ImportResult>;
  /** Reads the stored events of a batch until `batch.created` or `batch.import_rejected`. */
  waitForOutcome(batchId: string): Promise<ImportResult>;
  /** Counts the events stored for a batch. */
  countStoredEvents(batchId: string): Promise<number>;
  close(): Promise<void>;
}

/** Starts nats-server, provisions JetStream and starts the importer with `env` on top of defaults. */
export async function startImporterFixture(
  env: Record<string, string> = {},
): Promise<ImporterFixture> {
  const nats = await startNatsServer();
  const nc = await connect({ servers: nats.url });
  const log = createLogger('importer-test', process.env.TEST_LOG_LEVEL ?? 'silent');
  await provisionJetStream(nc, log);
  const config = parseConfig(configSchema, { NATS_URL: nats.url, ...env });
  const importer = await startImporter(config, { nc, log });
  const js = jetstream(nc);
  const uploads = await new Objm(nc).open(OBJECT_BUCKETS.uploads.bucket);

  const fixture: ImporterFixture = {
    nats,
    nc,
    js,
    importer,
    async upload(bytes, fileName, format) {
      const objectName = newId();
      await uploads.putBlob({ name: objectName }, bytes);
      return {
        kind: 'object',
        bucket: OBJECT_BUCKETS.uploads.bucket,
        objectName,
        sizeBytes: bytes.length,
        ...(fileName ? { fileName } : {}),
        ...(format ? { format } : {}),
      };
    },
    async sendImport(source, options = {}, batchId = newId()) {
      const command: ImportBatchCommand = {
        type: 'import',
        commandId: newId(),
        batchId,
        issuedAt: new Date().toISOString(),
        name: 'test batch',
        source,
        options: { skipInvalid: false, allowDuplicates: false, ...options },
      };
      await js.publish(subjects.importCommand(batchId), encodeJson(command), {
        msgID: command.commandId,
      });
      return command;
    },
    async importAndWait(source, options) {
      const command = await fixture.sendImport(source, options);
      return fixture.waitForOutcome(command.batchId);
    },
    waitForOutcome: (batchId) => readOutcome(js, batchId),
    async countStoredEvents(batchId) {
      const jsm = await jetstreamManager(nc);
      const info = await jsm.streams.info(EVENTS_STREAM.name, {
        subjects_filter: subjects.batchEvents(batchId),
      });
      return Object.values(info.state.subjects ?? {}).reduce((sum, count) => sum + count, 0);
    },
    async close() {
      await importer.stop();
      await nc.drain();
      await nats.stop();
    },
  };
  return fixture;
}

async function readOutcome(js: JetStreamClient, batchId: string): Promise<ImportResult> {
  const consumer = await js.consumers.get(EVENTS_STREAM.name, {
    filter_subjects: subjects.batchEvents(batchId),
  });
  const messages = await consumer.consume();
  const result: ImportResult = { events: [], items: [] };
  for await (const message of messages) {
    const event = parseEvent(message.json());
    result.events.push(event);
    if (event.type === 'batch.items_added') result.items.push(...event.data.items);
    if (event.type === 'batch.created') result.created = event;
    if (event.type === 'batch.import_rejected') result.rejected = event;
    if (result.created || result.rejected) break;
  }
  await messages.close();
  return result;
}
