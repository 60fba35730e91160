import { jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { EVENTS_STREAM, PROJECTOR_CONSUMER } from '@orderflow/contracts';
import { ensureConsumer } from '@orderflow/service-kit';
import type { Logger } from 'pino';
import type { ReadModelDb } from '../db/database';
import { Projector } from './projector';

/** Raised when the target of a rebuild already contains projected events. */
export class RebuildTargetNotEmptyError extends Error {
  override name = 'RebuildTargetNotEmptyError';

  constructor(readonly eventCount: number) {
    super(
      `the target database already contains ${eventCount} projected events; rebuild into an empty database`,
    );
  }
}

/** Options of {@link rebuildReadModel}. */
export interface RebuildOptions {
  connection: NatsConnection;
  /** An empty, migrated read model. */
  db: ReadModelDb;
  log: Logger;
  /** Milliseconds between progress checks; default 200. */
  pollMs?: number;
}

/**
 * Projects the whole events stream into an empty read model through a temporary durable
 * consumer, and returns once the consumer has nothing pending. Run it while the gateways are
 * stopped, then start them on the new database: `gateway-projector` delivers what arrived
 * since, and the event log drops what the rebuild already applied.
 */
export async function rebuildReadModel(options: RebuildOptions): Promise<{ events: number }> {
  const { db, log } = options;
  const existing = await db
    .selectFrom('event_log')
    .select((eb) => eb.fn.countAll<string>().as('count'))
    .executeTakeFirstOrThrow();
  if (Number(existing.count) > 0) throw new RebuildTargetNotEmptyError(Number(existing.count));

  const jsm = await jetstreamManager(options.connection);
  const consumerName = `gateway-rebuild-${Date.now()}`;
  await ensureConsumer(jsm, { ...PROJECTOR_CONSUMER, durable_name: consumerName }, log);
  const projector = new Projector({ connection: options.connection, db, log, consumerName });
  await projector.start();
  try {
    for (;;) {
      const info = await jsm.consumers.info(EVENTS_STREAM.name, consumerName);
      if (info.num_pending === 0 && info.num_ack_pending === 0) break;
      await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 200));
    }
  } finally {
    await projector.stop();
    await jsm.consumers.delete(EVENTS_STREAM.name, consumerName);
  }
  const projected = await db
    .selectFrom('event_log')
    .select((eb) => eb.fn.countAll<string>().as('count'))
    .executeTakeFirstOrThrow();
  log.info({ events: Number(projected.count) }, 'read model rebuilt');
  return { events: Number(projected.count) };
}
