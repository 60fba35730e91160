import { describe, expect, it } from 'vitest';
import { EventStreamIdleError, readEventStream, type ServerSentEvent, SseParser } from '../src/sse';

function parseAll(chunks: string[]): { events: ServerSentEvent[]; parser: SseParser } {
  const parser = new SseParser();
  const events = chunks.flatMap((chunk) => parser.push(chunk));
  return { events, parser };
}

describe('SseParser', () => {
  it('dispatches an event on a blank line', () => {
    const { events } = parseAll(['id: 7\nevent: batch.started\ndata: {"a":1}\n\n']);

    expect(events).toEqual([{ event: 'batch.started', data: '{"a":1}', lastEventId: '7' }]);
  });

  it('names an event without event field message', () => {
    const { events } = parseAll(['data: x\n\n']);

    expect(events[0]?.event).toBe('message');
  });

  it('joins data lines with newlines', () => {
    const { events } = parseAll(['data: first\ndata: second\ndata\n\n']);

    expect(events[0]?.data).toBe('first\nsecond\n');
  });

  it('reassembles events split across chunks', () => {
    const { events } = parseAll(['id: 1\nda', 'ta: hel', 'lo\n', '\n']);

    expect(events).toEqual([{ event: 'message', data: 'hello', lastEventId: '1' }]);
  });

  it('accepts CR, LF and CRLF line endings', () => {
    const { events } = parseAll(['data: a\r\n\r\ndata: b\r\rdata: c\n\n']);

    expect(events.map((event) => event.data)).toEqual(['a', 'b', 'c']);
  });

  it('keeps a CRLF split between chunks as one line break', () => {
    const { events } = parseAll(['data: a\r', '\ndata: b\r\n\r', '\n']);

    expect(events).toHaveLength(1);
    expect(events[0]?.data).toBe('a\nb');
  });

  it('ignores comments and unknown fields', () => {
    const { events } = parseAll([': keep-alive\n\nfoo: bar\ndata: x\n\n']);

    expect(events).toEqual([{ event: 'message', data: 'x', lastEventId: '' }]);
  });

  it('removes only one space after the colon', () => {
    const { events } = parseAll(['data:  two spaces\ndata:none\n\n']);

    expect(events[0]?.data).toBe(' two spaces\nnone');
  });

  it('keeps the id of an event without data', () => {
    const { events, parser } = parseAll(['id: 42\n\n']);

    expect(events).toEqual([]);
    expect(parser.lastEventId).toBe('42');
  });

  it('carries the last id to later events', () => {
    const { events } = parseAll(['id: 5\ndata: a\n\ndata: b\n\n']);

    expect(events.map((event) => event.lastEventId)).toEqual(['5', '5']);
  });

  it('ignores an id containing NUL', () => {
    const { parser } = parseAll(['id: 3\ndata: a\n\nid: 4\0\ndata: b\n\n']);

    expect(parser.lastEventId).toBe('3');
  });

  it('reads the retry field as milliseconds', () => {
    const { parser } = parseAll(['retry: 2500\n\nretry: soon\n\n']);

    expect(parser.retryMs).toBe(2500);
  });

  it('skips a byte order mark at the start only', () => {
    const { events } = parseAll(['\uFEFFdata: a\n\n', '\uFEFFdata: b\n\n']);

    expect(events).toHaveLength(1);
    expect(events[0]?.data).toBe('a');
  });

  it('drops a partial event on a new connection', () => {
    const parser = new SseParser();
    parser.push('id: 9\ndata: complete\n\nevent: cut\ndata: half');

    parser.startConnection();
    const events = parser.push('data: fresh\n\n');

    expect(events).toEqual([{ event: 'message', data: 'fresh', lastEventId: '9' }]);
  });

  it('holds back an event the stream has not ended', () => {
    const { events } = parseAll(['data: partial\n']);

    expect(events).toEqual([]);
  });
});

function streamOf(chunks: string[]): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  return new ReadableStream({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(encoder.encode(chunk));
      controller.close();
    },
  });
}

describe('readEventStream', () => {
  it('decodes UTF-8 split inside a character', async () => {
    const bytes = new TextEncoder().encode('data: Grüße\n\n');
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(bytes.slice(0, 9));
        controller.enqueue(bytes.slice(9));
        controller.close();
      },
    });
    const events: ServerSentEvent[] = [];

    await readEventStream(body, new SseParser(), (event) => {
      events.push(event);
      return undefined;
    });

    expect(events.map((event) => event.data)).toEqual(['Grüße']);
  });

  it('stops reading when the callback returns stop', async () => {
    const seen: string[] = [];

    await readEventStream(
      streamOf(['data: 1\n\ndata: 2\n\n', 'data: 3\n\n']),
      new SseParser(),
      (event) => {
        seen.push(event.data);
        return event.data === '2' ? 'stop' : undefined;
      },
    );

    expect(seen).toEqual(['1', '2']);
  });

  it('drops an unfinished event at the end of the stream', async () => {
    const seen: string[] = [];

    await readEventStream(streamOf(['data: 1\n\ndata: 2']), new SseParser(), (event) => {
      seen.push(event.data);
      return undefined;
    });

    expect(seen).toEqual(['1']);
  });

  it('rejects a stream that stays silent', async () => {
    let cancelled = false;
    const silent = new ReadableStream<Uint8Array>({
      cancel() {
        cancelled = true;
      },
    });

    const reading = readEventStream(silent, new SseParser(), () => undefined, 50);

    await expect(reading).rejects.toBeInstanceOf(EventStreamIdleError);
    expect(cancelled).toBe(true);
  });
});
