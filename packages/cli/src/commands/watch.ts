import { setTimeout as sleep } from 'node:timers/promises';
import { toNetworkError } from '../api-client';
import {
  type BatchSummary,
  displayStatus,
  isFinishedStatus,
  isObject,
  summarizeBatch,
} from '../batch-summary';
import { type CommandContext, idSegment } from '../command-context';
import { ApiError, NetworkError } from '../errors';
import { ProgressDisplay } from '../progress-display';
import { type EventStreamAction, readEventStream, type ServerSentEvent, SseParser } from '../sse';

/** Wait before reconnecting when the server sent no `retry` field. */
export const DEFAULT_RECONNECT_DELAY_MS = 1_000;
/** Maximum wait between reconnection attempts. */
export const MAX_RECONNECT_DELAY_MS = 15_000;
/** Connections in a row that may fail or end without an event before `watch` gives up. */
export const MAX_FAILED_CONNECTIONS = 8;
/**
 * Wait after an event without batch counts before reading the batch. The gateway follows each
 * burst of events with a `progress` event that carries the counts and cancels this read, so the
 * read only runs against a server that sends no counts.
 */
const REFRESH_DELAY_MS = 2_000;
/**
 * Time without any byte on the stream after which the connection counts as dead. The gateway
 * sends a keep-alive comment every 15 s while nothing happens.
 */
const STREAM_IDLE_TIMEOUT_MS = 60_000;

/** HTTP statuses after which reconnecting may help. */
const TRANSIENT_HTTP_STATUSES = new Set([502, 503, 504]);

/** Event names of the gateway's stream that the watch acts on. */
const StreamEvent = {
  /** The whole batch, sent first on a connection without Last-Event-ID. */
  Snapshot: 'snapshot',
  /** Status and counts, sent after each burst of events. */
  Progress: 'progress',
  /** The server's stream failed; the client should reconnect. */
  Error: 'error',
  Finished: 'batch.finished',
} as const;

/** Shows live progress until the batch is finished (`watch ID`). */
export async function watchCommand(context: CommandContext): Promise<void> {
  await watchBatch(context, context.args[0]!);
}

/**
 * Follows the event stream of a batch until the batch is finished, reconnecting with
 * `Last-Event-ID` after a dropped connection, and returns the final state. Shows a progress
 * bar, or with `--json` prints each event as one line of JSON.
 */
export async function watchBatch(context: CommandContext, batchId: string): Promise<BatchSummary> {
  const watch = new BatchWatch(context, batchId);
  return watch.run();
}

class BatchWatch {
  private summary!: BatchSummary;
  private finished = false;
  private readonly parser = new SseParser();
  private readonly display: ProgressDisplay | undefined;
  private refreshTimer: NodeJS.Timeout | undefined;
  private refreshing: Promise<void> | undefined;
  private refreshSequence = 0;

  constructor(
    private readonly context: CommandContext,
    private readonly batchId: string,
  ) {
    this.display = context.json ? undefined : new ProgressDisplay(context.out);
  }

  async run(): Promise<BatchSummary> {
    await this.refresh();
    if (isFinishedStatus(this.summary.status)) this.finished = true;
    let failedConnections = 0;
    let lastError: unknown;
    try {
      while (!this.finished) {
        const receivedEvents = await this.streamOnce().catch((error: unknown) => {
          if (!isTransient(error)) throw error;
          lastError = error;
          return false;
        });
        if (this.finished) break;

        failedConnections = receivedEvents ? 0 : failedConnections + 1;
        if (failedConnections >= MAX_FAILED_CONNECTIONS) {
          throw lastError ?? this.streamClosedError(failedConnections);
        }
        // The reconnection sends Last-Event-ID, so the gateway replays what was missed.
        await sleep(this.reconnectDelayMs(failedConnections));
      }
    } catch (error) {
      this.display?.interrupt();
      throw error;
    } finally {
      this.cancelRefresh();
    }

    await this.refreshing;
    this.display?.finish(this.summary);
    if (!this.context.json) this.printOutcome();
    return this.summary;
  }

  private streamClosedError(failedConnections: number): NetworkError {
    return new NetworkError(
      this.context.api.url(`/${idSegment(this.batchId)}/events`),
      `the event stream of batch ${this.batchId} closed ${failedConnections} times in a row ` +
        'without an event',
    );
  }

  /** Reads one connection of the event stream and returns whether any event arrived on it. */
  private async streamOnce(): Promise<boolean> {
    const headers: Record<string, string> = { accept: 'text/event-stream' };
    if (this.parser.lastEventId !== '') headers['last-event-id'] = this.parser.lastEventId;
    const path = `/${idSegment(this.batchId)}/events`;
    const response = await this.context.api.request(path, { headers, stream: true });
    this.parser.startConnection();
    if (!response.body) return false;

    let received = false;
    try {
      await readEventStream(
        response.body,
        this.parser,
        (event) => {
          // An error event means the server gave up on this connection, which is no progress.
          if (event.event !== StreamEvent.Error) received = true;
          return this.handleEvent(event);
        },
        STREAM_IDLE_TIMEOUT_MS,
      );
    } catch (error) {
      if (error instanceof ApiError) throw error;
      throw toNetworkError(response.url, error);
    }
    return received;
  }

  private async handleEvent(event: ServerSentEvent): Promise<EventStreamAction> {
    const data = parseJson(event.data);
    if (this.context.json) {
      this.context.out.jsonLine({ id: event.lastEventId, event: event.event, data });
    }

    if (event.event === StreamEvent.Error) return 'stop';
    if (event.event === StreamEvent.Finished) {
      const outcome = readFinishedOutcome(data, this.summary);
      if (outcome) this.show(outcome);
      else await this.refresh();
      this.finished = true;
      return 'stop';
    }
    // Snapshot and progress events carry the counts. Other events only signal a change.
    if (isObject(data) && isObject(data.counts)) {
      this.cancelRefresh();
      this.show(summarizeBatch(data));
      if (isFinishedStatus(this.summary.status)) this.finished = true;
      return this.finished ? 'stop' : undefined;
    }
    this.scheduleRefresh();
    return undefined;
  }

  /**
   * Shows a state. Only the caller decides that the batch is finished, because a read of the
   * batch may see the end before the stream has delivered the events that led there.
   */
  private show(summary: BatchSummary): void {
    this.summary = summary;
    this.display?.update(summary);
  }

  private async refresh(): Promise<void> {
    const sequence = ++this.refreshSequence;
    const batch = await this.context.api.requestJson(`/${idSegment(this.batchId)}`);
    // A slower earlier read must not replace the state that a later read or the end showed.
    if (sequence === this.refreshSequence && !this.finished) this.show(summarizeBatch(batch));
  }

  private cancelRefresh(): void {
    clearTimeout(this.refreshTimer);
    this.refreshTimer = undefined;
  }

  /** Reads the batch unless an event with counts arrives first. */
  private scheduleRefresh(): void {
    if (this.refreshTimer) return;
    this.refreshTimer = setTimeout(() => {
      this.refreshTimer = undefined;
      // A failed read here is not fatal: the next event or reconnection reads again.
      this.refreshing = this.refresh().catch(() => undefined);
    }, REFRESH_DELAY_MS);
  }

  private reconnectDelayMs(failedConnections: number): number {
    const base = this.parser.retryMs ?? DEFAULT_RECONNECT_DELAY_MS;
    const factor = 2 ** Math.max(0, failedConnections - 1);
    return Math.min(MAX_RECONNECT_DELAY_MS, base * factor);
  }

  private printOutcome(): void {
    const { out } = this.context;
    const summary = this.summary;
    const { success, failed, skipped } = summary.counts;
    out.line(
      `Batch ${this.batchId} ${out.status(displayStatus(summary))}: ` +
        `success ${success}, failed ${failed}, skipped ${skipped}.`,
    );
    if (failed > 0) out.line(`Failed items: orderflow status ${this.batchId} --failed`);
  }
}

/**
 * Builds the final state from a `batch.finished` event, whose payload (nested in `data` as the
 * gateway sends it) contains the status and the succeeded, failed and skipped counts. Returns
 * undefined when the payload lacks them.
 */
function readFinishedOutcome(data: unknown, previous: BatchSummary): BatchSummary | undefined {
  const payload = isObject(data) && isObject(data.data) ? data.data : data;
  if (!isObject(payload) || typeof payload.status !== 'string') return undefined;
  const { succeeded, failed, skipped } = payload;
  if (typeof succeeded !== 'number' || typeof failed !== 'number' || typeof skipped !== 'number') {
    return undefined;
  }
  return {
    ...previous,
    status: payload.status,
    counts: { pending: 0, processing: 0, success: succeeded, failed, skipped },
    doneItems: succeeded + failed + skipped,
  };
}

function isTransient(error: unknown): boolean {
  if (error instanceof NetworkError) return true;
  return error instanceof ApiError && TRANSIENT_HTTP_STATUSES.has(error.status);
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
