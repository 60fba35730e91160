import { Kvm } from '@nats-io/kv';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { KV_BUCKETS } from '@orderflow/contracts';
import { type NatsServerHandle, startNatsServer } from '@orderflow/harness';
import { ensureKvBucket } from '@orderflow/service-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SchedulerLease } from '../src/lease';
import { testLog } from './support/stack';

const TTL_MS = 600;
const RENEW_MS = 100;

describe('SchedulerLease', () => {
  let server: NatsServerHandle;
  let connection: NatsConnection;

  beforeAll(async () => {
    server = await startNatsServer();
    connection = await connect({ servers: server.url });
    await ensureKvBucket(connection, KV_BUCKETS.schedulerLease.bucket);
  });

  afterAll(async () => {
    await connection.close();
    await server.stop();
  });

  async function createLease(replicaId: string) {
    const kv = await new Kvm(connection).open(KV_BUCKETS.schedulerLease.bucket);
    const changes: boolean[] = [];
    const lease = new SchedulerLease({
      kv,
      replicaId,
      ttlMs: TTL_MS,
      renewMs: RENEW_MS,
      log: testLog,
      onChange: (held) => changes.push(held),
    });
    return { lease, changes };
  }

  async function waitUntil(condition: () => boolean, what: string, timeoutMs: number) {
    const startedAtMs = Date.now();
    while (!condition()) {
      if (Date.now() - startedAtMs > timeoutMs) throw new Error(`${what} timed out`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    return Date.now() - startedAtMs;
  }

  it('gives the lease to one replica and hands it over', async () => {
    const first = await createLease('first');
    first.lease.start();
    await waitUntil(() => first.lease.isHeld(), 'first replica holding', 2_000);
    const second = await createLease('second');
    second.lease.start();

    // The second replica keeps checking, but the first one renews in time.
    await new Promise((resolve) => setTimeout(resolve, TTL_MS * 2));
    expect(first.lease.isHeld()).toBe(true);
    expect(second.lease.isHeld()).toBe(false);

    await first.lease.stop(true);
    const handoverMs = await waitUntil(() => second.lease.isHeld(), 'hand-over', 2_000);
    expect(handoverMs).toBeLessThanOrEqual(RENEW_MS + 500);
    expect(first.changes).toEqual([true, false]);
    expect(second.changes).toEqual([true]);
    await second.lease.stop(true);
  });

  it('lets a standby take over after the holder stops renewing', async () => {
    const holder = await createLease('holder');
    holder.lease.start();
    await waitUntil(() => holder.lease.isHeld(), 'holder holding', 2_000);
    const standby = await createLease('standby');
    standby.lease.start();

    await holder.lease.stop(false);
    const takeoverMs = await waitUntil(() => standby.lease.isHeld(), 'take-over', 3_000);
    expect(takeoverMs).toBeLessThanOrEqual(TTL_MS + RENEW_MS + 500);
    await standby.lease.stop(true);
  });
});
