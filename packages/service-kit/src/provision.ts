import {
  AckPolicy,
  DeliverPolicy,
  JetStreamApiError,
  type JetStreamManager,
  RetentionPolicy,
  StorageType,
} from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import { Objm } from '@nats-io/obj';
import type { NatsConnection } from '@nats-io/transport-node';
import type { ConsumerDefinition, StreamDefinition } from '@orderflow/contracts';
import type { Logger } from 'pino';

const STREAM_NOT_FOUND = 10059;
const CONSUMER_NOT_FOUND = 10014;

function isApiError(error: unknown, code: number): boolean {
  return error instanceof JetStreamApiError && error.code === code;
}

const RETENTION = {
  limits: RetentionPolicy.Limits,
  workqueue: RetentionPolicy.Workqueue,
  interest: RetentionPolicy.Interest,
} as const;

/**
 * Creates a stream, or updates the settings that JetStream lets change. Safe to call from
 * every replica at every start.
 */
export async function ensureStream(
  jsm: JetStreamManager,
  definition: StreamDefinition,
  log: Logger,
): Promise<void> {
  const config = {
    name: definition.name,
    subjects: definition.subjects,
    retention: RETENTION[definition.retention],
    storage: definition.storage === 'file' ? StorageType.File : StorageType.Memory,
    max_age: definition.max_age,
    duplicate_window: definition.duplicate_window,
    max_msg_size: definition.max_msg_size,
    num_replicas: definition.num_replicas,
  };
  try {
    const info = await jsm.streams.info(definition.name);
    const current = info.config;
    const changed =
      current.max_age !== config.max_age ||
      current.duplicate_window !== config.duplicate_window ||
      current.max_msg_size !== config.max_msg_size ||
      current.subjects.join(',') !== config.subjects.join(',');
    if (changed) {
      // Replicas are the operator's to change (a clustered deployment raises them to 3), so an
      // update keeps the current count instead of resetting it to the definition's.
      await jsm.streams.update(definition.name, {
        ...current,
        ...config,
        num_replicas: current.num_replicas,
      });
      log.info({ stream: definition.name }, 'stream updated');
    }
  } catch (error) {
    if (!isApiError(error, STREAM_NOT_FOUND)) throw error;
    await jsm.streams.add(config);
    log.info({ stream: definition.name }, 'stream created');
  }
}

/**
 * Creates a durable pull consumer, or updates its limits when they changed and
 * `updateExisting` is true (the default).
 */
export async function ensureConsumer(
  jsm: JetStreamManager,
  definition: ConsumerDefinition,
  log: Logger,
  options: { updateExisting?: boolean } = {},
): Promise<void> {
  const config = {
    durable_name: definition.durable_name,
    filter_subject: definition.filter_subject,
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All,
    ack_wait: definition.ack_wait,
    max_deliver: definition.max_deliver,
    max_ack_pending: definition.max_ack_pending,
  };
  try {
    const info = await jsm.consumers.info(definition.stream, definition.durable_name);
    const current = info.config;
    const changed =
      current.ack_wait !== config.ack_wait ||
      current.max_deliver !== config.max_deliver ||
      current.max_ack_pending !== config.max_ack_pending ||
      current.filter_subject !== config.filter_subject;
    if (changed && options.updateExisting !== false) {
      await jsm.consumers.update(definition.stream, definition.durable_name, {
        ack_wait: config.ack_wait,
        max_deliver: config.max_deliver,
        max_ack_pending: config.max_ack_pending,
        filter_subject: config.filter_subject,
      });
      log.info({ consumer: definition.durable_name }, 'consumer updated');
    }
  } catch (error) {
    if (!isApiError(error, CONSUMER_NOT_FOUND)) throw error;
    await jsm.consumers.add(definition.stream, config);
    log.info({ stream: definition.stream, consumer: definition.durable_name }, 'consumer created');
  }
}

/** Creates a key-value bucket when it is missing; returns it either way. */
export async function ensureKvBucket(
  connection: NatsConnection,
  bucket: string,
  options: { history?: number; ttlMs?: number } = {},
) {
  return new Kvm(connection).create(bucket, {
    history: options.history ?? 1,
    ...(options.ttlMs ? { ttl: options.ttlMs } : {}),
  });
}

/** Creates an object store bucket when it is missing; returns it either way. */
export async function ensureObjectBucket(
  connection: NatsConnection,
  bucket: string,
  options: { ttlMs?: number } = {},
) {
  return new Objm(connection).create(bucket, {
    ...(options.ttlMs ? { ttl: options.ttlMs * 1_000_000 } : {}),
  });
}
