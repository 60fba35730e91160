import { createWriteStream } from 'node:fs';
import { rename, rm, stat } from 'node:fs/promises';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import { toNetworkError } from '../api-client';
import { type CommandContext, idSegment, resolveUserPath, stringOption } from '../command-context';
import { toFileError } from '../errors';
import type { TextSink } from '../output';
import { parseChoice } from '../parse-args';

const EXPORT_FORMATS = ['xlsx', 'csv'] as const;

/** Output path that writes the file to standard output. */
const STDOUT_PATH = '-';

/** Streams the results file of a batch to disk (`export ID --format xlsx|csv [--output PATH]`). */
export async function exportCommand(context: CommandContext): Promise<void> {
  const batchId = context.args[0]!;
  const format = parseChoice(
    stringOption(context, 'format')!,
    'format',
    EXPORT_FORMATS,
    context.command,
  );
  const output = stringOption(context, 'output') ?? `batch-${batchId}.${format}`;

  const response = await context.api.request(`/${idSegment(batchId)}/export`, {
    query: { format },
    headers: { accept: '*/*' },
    stream: true,
  });
  const body = response.body
    ? Readable.fromWeb(response.body as NodeReadableStream<Uint8Array>)
    : Readable.from([]);

  if (output === STDOUT_PATH) {
    await pipeline(body, toWritable(context.out.stdout)).catch((error: unknown) => {
      throw toNetworkError(response.url, error);
    });
    return;
  }

  const path = resolveUserPath(context, output);
  const bytes = await writeAtomically(body, path, response.url);
  if (context.json) {
    return context.out.json({ batch_id: batchId, format, path, bytes });
  }
  context.out.line(`Wrote the ${format} results of batch ${batchId} to ${path} (${bytes} bytes).`);
}

/**
 * Streams `body` into a temporary file next to `path` and renames it into place, so that a
 * broken download never leaves a partial file under the requested name.
 */
async function writeAtomically(body: Readable, path: string, url: string): Promise<number> {
  const partialPath = `${path}.partial`;
  try {
    await pipeline(body, createWriteStream(partialPath));
    await rename(partialPath, path);
  } catch (error) {
    await rm(partialPath, { force: true });
    if (isFileSystemError(error)) throw toFileError(path, 'write', error);
    throw toNetworkError(url, error);
  }
  return (await stat(path)).size;
}

/** Wraps a text sink such as `process.stdout` as a writable that waits for it to drain. */
function toWritable(sink: TextSink): Writable {
  return new Writable({
    write(chunk: Uint8Array, _encoding, callback) {
      const accepted = sink.write(chunk);
      const emitter = sink as Partial<NodeJS.WritableStream>;
      if (accepted === false && emitter.once) emitter.once('drain', () => callback());
      else callback();
    },
  });
}

function isFileSystemError(error: unknown): error is NodeJS.ErrnoException {
  return error instanceof Error && typeof (error as NodeJS.ErrnoException).syscall === 'string';
}
