import { jetstreamManager } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import { Objm } from '@nats-io/obj';
import type { NatsConnection } from '@nats-io/transport-node';
import {
  COMMANDS_STREAM,
  CONSUMERS,
  EVENTS_STREAM,
  KV_BUCKETS,
  OBJECT_BUCKETS,
  WORK_STREAM,
} from '@orderflow/contracts';
import { type NatsServerHandle, startNatsServer } from '@orderflow/harness';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectNats, createLogger, ensureStream, provisionJetStream } from '../src/index';

describe('provisionJetStream', () => {
  let server: NatsServerHandle;
  let connection: NatsConnection;
  const log = createLogger('test', 'silent');

  beforeAll(async () => {
    server = await startNatsServer();
    connection = await connectNats({ url: server.url, name: 'provision-test', log });
  });

  afterAll(async () => {
    await connection?.close();
    await server?.stop();
  });

  it('creates streams, consumers and buckets, and can run again', async () => {
    await provisionJetStream(connection, log, { maxConcurrentItems: 6 });
    await provisionJetStream(connection, log);

    const jsm = await jetstreamManager(connection);
    const names = [];
    for await (const stream of jsm.streams.list()) names.push(stream.config.name);
    expect(names).toEqual(
      expect.arrayContaining([COMMANDS_STREAM.name, EVENTS_STREAM.name, WORK_STREAM.name]),
    );
    const work = await jsm.consumers.info(WORK_STREAM.name, CONSUMERS.browserWorkers);
    expect(work.config.max_ack_pending).toBe(6);
    await expect(new Kvm(connection).open(KV_BUCKETS.schedulerLease.bucket)).resolves.toBeDefined();
    const artifacts = await new Objm(connection).open(OBJECT_BUCKETS.artifacts.bucket);
    expect((await artifacts.status()).bucket).toBe(OBJECT_BUCKETS.artifacts.bucket);
  });

  it('updates the work consumer limit when the scheduler passes a new one', async () => {
    await provisionJetStream(connection, log, { maxConcurrentItems: 12 });
    const jsm = await jetstreamManager(connection);
    const work = await jsm.consumers.info(WORK_STREAM.name, CONSUMERS.browserWorkers);
    expect(work.config.max_ack_pending).toBe(12);
  });

  it('keeps the replica count when updating a stream', async () => {
    const jsm = await jetstreamManager(connection);
    const before = (await jsm.streams.info(EVENTS_STREAM.name)).config;
    // A single server rejects 3 replicas, so an update that sent the definition's count fails.
    const changed = { ...EVENTS_STREAM, max_age: 3_600_000_000_000, num_replicas: 3 };
    await ensureStream(jsm, changed, log);
    const after = (await jsm.streams.info(EVENTS_STREAM.name)).config;
    expect(after.max_age).toBe(3_600_000_000_000);
    expect(after.num_replicas).toBe(before.num_replicas);
  });

  it('reconnects after the server restarts', async () => {
    const reconnected = (async () => {
      for await (const status of connection.status()) if (status.type === 'reconnect') return;
    })();
    await server.restart('SIGKILL');
    await reconnected;
    const jsm = await jetstreamManager(connection);
    const info = await jsm.streams.info(EVENTS_STREAM.name);
    expect(info.config.name).toBe(EVENTS_STREAM.name);
  });
});
