import { connect, type NatsConnection } from '@nats-io/transport-node';
import type { Logger } from 'pino';

/** Options of {@link connectNats}. */
export interface ConnectNatsOptions {
  /** Server URL, or several separated by commas. */
  url: string;
  /** Connection name shown in the server's monitoring. */
  name: string;
  log: Logger;
  /** Milliseconds between reconnect attempts; default 1,000. */
  reconnectTimeWaitMs?: number;
}

/**
 * Connects to NATS with reconnection that never gives up, and logs every status change of the
 * connection until it closes. The initial connection also retries until the server responds.
 * Requests carry no async stack traces, which cost more than the publish itself.
 */
export async function connectNats(options: ConnectNatsOptions): Promise<NatsConnection> {
  const log = options.log.child({ component: 'nats' });
  const servers = options.url.split(',').map((server) => server.trim());
  const connection = await connect({
    servers,
    name: options.name,
    maxReconnectAttempts: -1,
    reconnectTimeWait: options.reconnectTimeWaitMs ?? 1_000,
    waitOnFirstConnect: true,
    timeout: 5_000,
    // Without it the client builds two errors with stack traces for every request, JetStream
    // publish acks included, in case one times out. In one profiled pipeline benchmark run that
    // was about a seventh of the scheduler's CPU time. Timeouts still report the subject.
    noAsyncTraces: true,
  });
  log.info({ server: connection.getServer() }, 'connected to NATS');
  void watchStatus(connection, log);
  return connection;
}

async function watchStatus(connection: NatsConnection, log: Logger): Promise<void> {
  for await (const status of connection.status()) {
    switch (status.type) {
      case 'disconnect':
        log.warn({ server: status.server }, 'disconnected from NATS');
        break;
      case 'reconnect':
        log.info({ server: status.server }, 'reconnected to NATS');
        break;
      case 'error':
        log.error({ err: status.error }, 'NATS connection error');
        break;
      case 'slowConsumer':
        log.warn({ subject: status.sub.getSubject() }, 'slow NATS consumer');
        break;
      default:
        log.debug({ status: status.type }, 'NATS connection status');
    }
  }
}
