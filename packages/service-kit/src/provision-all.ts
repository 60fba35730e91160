import { jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import {
  DEFAULT_MAX_CONCURRENT_ITEMS,
  IMPORTER_CONSUMER,
  KV_BUCKETS,
  OBJECT_BUCKETS,
  PROJECTOR_CONSUMER,
  SCHEDULER_COMMANDS_CONSUMER,
  STREAMS,
  workConsumer,
} from '@orderflow/contracts';
import type { Logger } from 'pino';
import { ensureConsumer, ensureKvBucket, ensureObjectBucket, ensureStream } from './provision';

/**
 * Provisions every stream, durable consumer and bucket Orderflow uses. Each service calls it at
 * start-up, so whichever starts first creates them; the calls are idempotent.
 * `maxConcurrentItems` sets the work consumer's `max_ack_pending` (MAX_CONCURRENT_ITEMS); only the
 * scheduler passes it, and other services create the consumer with the default when it is missing.
 */
export async function provisionJetStream(
  connection: NatsConnection,
  log: Logger,
  options: { maxConcurrentItems?: number } = {},
): Promise<void> {
  const provisionLog = log.child({ component: 'provision' });
  const jsm = await jetstreamManager(connection);
  for (const stream of STREAMS) await ensureStream(jsm, stream, provisionLog);
  for (const consumer of [IMPORTER_CONSUMER, SCHEDULER_COMMANDS_CONSUMER, PROJECTOR_CONSUMER]) {
    await ensureConsumer(jsm, consumer, provisionLog);
  }
  const work = workConsumer(options.maxConcurrentItems ?? DEFAULT_MAX_CONCURRENT_ITEMS);
  await ensureConsumer(jsm, work, provisionLog, {
    updateExisting: options.maxConcurrentItems !== undefined,
  });
  await ensureKvBucket(connection, KV_BUCKETS.schedulerLease.bucket, { history: 1 });
  await ensureObjectBucket(connection, OBJECT_BUCKETS.uploads.bucket, {
    ttlMs: OBJECT_BUCKETS.uploads.ttlMs,
  });
  await ensureObjectBucket(connection, OBJECT_BUCKETS.artifacts.bucket, {
    ttlMs: OBJECT_BUCKETS.artifacts.ttlMs,
  });
}
