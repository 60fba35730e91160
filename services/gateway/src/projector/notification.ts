import pg from 'pg';
import type { Logger } from 'pino';
import { isDatabaseUnavailable } from '../http/api-error';

/** Postgres channel on which the projector announces committed changes. */
export const PROJECTION_CHANNEL = 'orderflow_projection';

/** Payload of one notification: the highest sequence applied and the batches it touched. */
export interface ProjectionNotice {
  seq: number;
  /** Null when the transaction touched too many batches to list; treat as every batch. */
  batches: string[] | null;
}

type Listener = (notice: ProjectionNotice) => void;

const RECONNECT_DELAY_MS = 1_000;

/**
 * Listens on the projection channel with one dedicated connection and fans notifications out
 * to request waiters and SSE streams of this process. After a lost connection it reconnects
 * and wakes every listener, because notifications sent meanwhile are lost.
 */
export class ProjectionNotifier {
  readonly #listeners = new Set<Listener>();
  readonly #url: string;
  readonly #log: Logger;
  #client: pg.Client | undefined;
  #stopped = false;
  #timer: NodeJS.Timeout | undefined;

  constructor(url: string, log: Logger) {
    this.#url = url;
    this.#log = log.child({ component: 'projection-notifier' });
  }

  /** Connects and starts listening; resolves after the first attempt, whether it worked or not. */
  async start(): Promise<void> {
    await this.#connect();
  }

  /** Registers a listener for every notification; returns a function that removes it. */
  subscribe(listener: Listener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Calls every listener, as if every batch had changed. */
  wakeAll(): void {
    this.#emit({ seq: 0, batches: null });
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    const client = this.#client;
    this.#client = undefined;
    await client?.end().catch(() => undefined);
  }

  async #connect(): Promise<void> {
    if (this.#stopped) return;
    const client = new pg.Client({ connectionString: this.#url });
    client.on('notification', (message) => this.#onNotification(message.payload));
    client.on('error', (error) => this.#onLost(client, error));
    client.on('end', () => this.#onLost(client, undefined));
    try {
      await client.connect();
      await client.query(`LISTEN ${PROJECTION_CHANNEL}`);
      this.#client = client;
      this.#log.info('listening for projection notifications');
      this.wakeAll();
    } catch (error) {
      this.#log.warn({ err: error }, 'failed to listen for projection notifications, will retry');
      client.end().catch(() => undefined);
      this.#scheduleReconnect();
    }
  }

  #onLost(client: pg.Client, error: Error | undefined): void {
    if (this.#client !== client || this.#stopped) return;
    this.#client = undefined;
    this.#log.warn({ err: error }, 'lost the projection notification connection, reconnecting');
    client.end().catch(() => undefined);
    this.#scheduleReconnect();
  }

  #scheduleReconnect(): void {
    if (this.#stopped) return;
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => void this.#connect(), RECONNECT_DELAY_MS);
  }

  #onNotification(payload: string | undefined): void {
    try {
      this.#emit(JSON.parse(payload ?? '') as ProjectionNotice);
    } catch {
      this.wakeAll();
    }
  }

  #emit(notice: ProjectionNotice): void {
    for (const listener of this.#listeners) listener(notice);
  }
}

/** Milliseconds between checks while Postgres cannot be reached and sends no notifications. */
const UNAVAILABLE_RECHECK_MS = 500;

/**
 * Runs `check` now and again after every notification about `batchId`, until it returns a value
 * or `timeoutMs` passes; returns undefined on timeout. Checks never overlap, and a notification
 * that arrives during a check triggers one more check after it. A check that fails because
 * Postgres is unreachable counts as "not yet", because the command it waits for was already
 * sent and a 503 would invite the client to send it again.
 */
export async function waitForProjection<T>(
  notifier: ProjectionNotifier,
  batchId: string,
  timeoutMs: number,
  check: () => Promise<T | undefined>,
): Promise<T | undefined> {
  let wake: (() => void) | undefined;
  let pending = false;
  const unsubscribe = notifier.subscribe((notice) => {
    if (notice.batches !== null && !notice.batches.includes(batchId)) return;
    pending = true;
    wake?.();
  });
  const deadline = Date.now() + timeoutMs;
  try {
    for (;;) {
      pending = false;
      let reachable = true;
      try {
        const result = await check();
        if (result !== undefined) return result;
      } catch (error) {
        if (!isDatabaseUnavailable(error)) throw error;
        reachable = false;
      }
      const remainingMs = deadline - Date.now();
      if (remainingMs <= 0) return undefined;
      const sleepMs = reachable ? remainingMs : Math.min(remainingMs, UNAVAILABLE_RECHECK_MS);
      if (!pending) await sleepUntilWoken(sleepMs, (resolve) => (wake = resolve));
      wake = undefined;
    }
  } finally {
    unsubscribe();
  }
}

function sleepUntilWoken(ms: number, register: (resolve: () => void) => void): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    register(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}
