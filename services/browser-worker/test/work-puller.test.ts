import { AckPolicy, jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { type NatsServerHandle, startNatsServer } from '@orderflow/harness';
import { createLogger } from '@orderflow/service-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WorkPuller } from '../src/work-puller';

const SLOTS = 4;
const MESSAGES = 40;

let nats: NatsServerHandle;
let nc: NatsConnection;

beforeAll(async () => {
  nats = await startNatsServer();
  nc = await connect({ servers: nats.url });
});

afterAll(async () => {
  await nc?.close();
  await nats?.stop();
});

async function queueMessages(stream: string): Promise<void> {
  const jsm = await jetstreamManager(nc);
  await jsm.streams.add({ name: stream, subjects: [`${stream}.work`] });
  await jsm.consumers.add(stream, {
    durable_name: 'workers',
    ack_policy: AckPolicy.Explicit,
    max_ack_pending: 1_000,
  });
  const js = jetstream(nc);
  for (let index = 0; index < MESSAGES; index++) {
    await js.publish(`${stream}.work`, new TextEncoder().encode(String(index)));
  }
}

describe('WorkPuller', () => {
  it('handles every message without holding more than its slots', async () => {
    const stream = 'PULLER_LIMIT';
    await queueMessages(stream);
    const consumer = await jetstream(nc).consumers.get(stream, 'workers');
    const jsm = await jetstreamManager(nc);

    const handled: string[] = [];
    const busySlots = new Set<number>();
    let maxBusySlots = 0;
    let maxAckPending = 0;
    let allHandled: () => void = () => {};
    const done = new Promise<void>((resolve) => {
      allHandled = resolve;
    });

    const puller = new WorkPuller(
      consumer,
      SLOTS,
      async (slot, msg) => {
        expect(busySlots.has(slot)).toBe(false);
        busySlots.add(slot);
        maxBusySlots = Math.max(maxBusySlots, busySlots.size);
        const info = await jsm.consumers.info(stream, 'workers');
        maxAckPending = Math.max(maxAckPending, info.num_ack_pending);
        await new Promise((resolve) => setTimeout(resolve, 5));
        handled.push(new TextDecoder().decode(msg.data));
        msg.ack();
        busySlots.delete(slot);
        if (handled.length === MESSAGES) allHandled();
      },
      createLogger('work-puller-test', 'silent'),
    );
    puller.start();
    await done;
    await puller.stop();

    expect(handled.map(Number).sort((a, b) => a - b)).toEqual(
      Array.from({ length: MESSAGES }, (_, index) => index),
    );
    expect(maxBusySlots).toBe(SLOTS);
    expect(maxAckPending).toBeLessThanOrEqual(SLOTS);
  });

  it('stops at once while waiting for work', async () => {
    const stream = 'PULLER_STOP';
    const jsm = await jetstreamManager(nc);
    await jsm.streams.add({ name: stream, subjects: [`${stream}.work`] });
    await jsm.consumers.add(stream, { durable_name: 'workers', ack_policy: AckPolicy.Explicit });
    const consumer = await jetstream(nc).consumers.get(stream, 'workers');
    const puller = new WorkPuller(
      consumer,
      SLOTS,
      async () => {},
      createLogger('work-puller-test', 'silent'),
    );
    puller.start();
    await new Promise((resolve) => setTimeout(resolve, 200));

    const started = performance.now();
    await puller.stop();
    // The pull request would otherwise wait out its 5 s expiry.
    expect(performance.now() - started).toBeLessThan(2_000);
  });
});
