import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';

const PUBLISH_WINDOW = 256;

/**
 * Publishes `count` messages of `payloadBytes` to a fresh stream in windows of outstanding acks,
 * then consumes and acks them all. Returns messages per second for the whole round trip, which
 * bounds any pipeline built on the same server.
 */
export async function measureRawJetStream(
  natsUrl: string,
  count: number,
  payloadBytes: number,
): Promise<{ messagesPerSecond: number; seconds: number }> {
  // The same client settings as the services' connections, so that the reference is comparable.
  const connection = await connect({ servers: natsUrl, noAsyncTraces: true });
  const jsm = await jetstreamManager(connection);
  const stream = `BENCH_RAW_${Date.now()}`;
  await jsm.streams.add({ name: stream, subjects: [`bench.raw.${stream}`] });
  await jsm.consumers.add(stream, {
    durable_name: 'bench',
    ack_policy: 'explicit',
    max_ack_pending: 1_000,
  } as never);
  const js = jetstream(connection);
  const payload = new Uint8Array(payloadBytes).fill(120);
  const started = performance.now();

  let pending: Promise<unknown>[] = [];
  for (let index = 0; index < count; index++) {
    pending.push(js.publish(`bench.raw.${stream}`, payload));
    if (pending.length >= PUBLISH_WINDOW) {
      await Promise.all(pending);
      pending = [];
    }
  }
  await Promise.all(pending);

  const consumer = await js.consumers.get(stream, 'bench');
  let received = 0;
  const messages = await consumer.consume({ max_messages: 1_000 });
  for await (const message of messages) {
    message.ack();
    received++;
    if (received >= count) break;
  }
  const seconds = (performance.now() - started) / 1_000;

  await jsm.streams.delete(stream);
  await connection.close();
  return { messagesPerSecond: count / seconds, seconds };
}
