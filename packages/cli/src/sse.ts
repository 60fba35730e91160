/** One Server-Sent Event as the parser dispatches it. */
export interface ServerSentEvent {
  /** The `event` field, `message` when the event has none. */
  event: string;
  /** The `data` lines joined with newlines. */
  data: string;
  /** The last event id seen on the stream so far, as `Last-Event-ID` resends it. */
  lastEventId: string;
}

/**
 * Incremental parser of a `text/event-stream` body, following the event stream interpretation
 * of the WHATWG HTML standard. Lines end in LF, CR or CRLF, also across chunks. A blank line
 * dispatches the event, and lines starting with `:` are comments. An `id` containing NUL is
 * ignored. An event without data is not dispatched, though its `id` still counts.
 */
export class SseParser {
  private buffer = '';
  private pendingCarriageReturn = false;
  private atStreamStart = true;
  private eventType = '';
  private dataLines: string[] = [];
  private sawData = false;

  /** The id of the last event seen, to send as `Last-Event-ID` on reconnect. */
  lastEventId = '';
  /** Reconnection delay in ms that the server asked for with a `retry` field. */
  retryMs: number | undefined;

  /**
   * Forgets a partly received event and line, as a new connection starts a new stream. Keeps
   * the last event id and the reconnection delay.
   */
  startConnection(): void {
    this.buffer = '';
    this.pendingCarriageReturn = false;
    this.atStreamStart = true;
    this.eventType = '';
    this.dataLines = [];
    this.sawData = false;
  }

  /** Feeds decoded text and returns the events it completes. */
  push(text: string): ServerSentEvent[] {
    let chunk = text;
    if (this.atStreamStart && chunk.length > 0) {
      this.atStreamStart = false;
      if (chunk.startsWith('\uFEFF')) chunk = chunk.slice(1);
    }
    // A CR that ended the previous chunk already ended its line, so a LF right after it belongs
    // to the same line break.
    if (this.pendingCarriageReturn && chunk.startsWith('\n')) chunk = chunk.slice(1);
    this.pendingCarriageReturn = chunk.endsWith('\r');

    const events: ServerSentEvent[] = [];
    const lines = (this.buffer + chunk).split(/\r\n|\r|\n/);
    this.buffer = lines.pop() ?? '';
    for (const line of lines) {
      const event = this.processLine(line);
      if (event) events.push(event);
    }
    return events;
  }

  private processLine(line: string): ServerSentEvent | undefined {
    if (line === '') return this.dispatch();
    if (line.startsWith(':')) return undefined;

    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);

    switch (field) {
      case 'event':
        this.eventType = value;
        break;
      case 'data':
        this.dataLines.push(value);
        this.sawData = true;
        break;
      case 'id':
        if (!value.includes('\0')) this.lastEventId = value;
        break;
      case 'retry':
        if (/^\d+$/.test(value)) this.retryMs = Number(value);
        break;
      default:
        break;
    }
    return undefined;
  }

  private dispatch(): ServerSentEvent | undefined {
    const event: ServerSentEvent | undefined = this.sawData
      ? {
          event: this.eventType || 'message',
          data: this.dataLines.join('\n'),
          lastEventId: this.lastEventId,
        }
      : undefined;
    this.eventType = '';
    this.dataLines = [];
    this.sawData = false;
    return event;
  }
}

/** Return value of the {@link readEventStream} callback: `stop` closes the stream early. */
export type EventStreamAction = 'stop' | undefined;

/** An event stream that sent no bytes, not even a comment, for longer than allowed. */
export class EventStreamIdleError extends Error {
  override readonly name = 'EventStreamIdleError';

  constructor(readonly idleTimeoutMs: number) {
    super(`the event stream sent nothing for ${idleTimeoutMs} ms`);
  }
}

/**
 * Reads a `text/event-stream` body and calls `onEvent` for each event, until the server closes
 * the stream or `onEvent` returns `stop`, which cancels the body and so closes the connection.
 * Rejects when the connection fails, or with an {@link EventStreamIdleError} when no bytes
 * arrive for `idleTimeoutMs`, which catches a connection that died without being closed. An
 * event that no blank line completed before the stream ended is dropped, as the standard
 * requires.
 */
export async function readEventStream(
  body: ReadableStream<Uint8Array>,
  parser: SseParser,
  onEvent: (event: ServerSentEvent) => EventStreamAction | Promise<EventStreamAction>,
  idleTimeoutMs?: number,
): Promise<void> {
  const decoder = new TextDecoder('utf-8');
  const reader = body.getReader();
  for (;;) {
    const { done, value } = await readChunk(reader, idleTimeoutMs);
    if (done) return;
    for (const event of parser.push(decoder.decode(value, { stream: true }))) {
      if ((await onEvent(event)) === 'stop') {
        await reader.cancel();
        return;
      }
    }
  }
}

async function readChunk(
  reader: ReadableStreamDefaultReader<Uint8Array>,
  idleTimeoutMs: number | undefined,
): ReturnType<ReadableStreamDefaultReader<Uint8Array>['read']> {
  if (idleTimeoutMs === undefined) return reader.read();

  let timer: NodeJS.Timeout | undefined;
  const idle = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new EventStreamIdleError(idleTimeoutMs)), idleTimeoutMs);
  });
  try {
    return await Promise.race([reader.read(), idle]);
  } catch (error) {
    if (error instanceof EventStreamIdleError) await reader.cancel().catch(() => undefined);
    throw error;
  } finally {
    clearTimeout(timer);
  }
}
