import { createHash } from 'node:crypto';
import { Readable, Transform } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import type { ObjectStore } from '@nats-io/obj';
import busboy from 'busboy';
import { ApiError } from '../http/api-error';

/** Form fields of an upload, as text, with the stored file. */
export interface ParsedUpload {
  fields: Record<string, string>;
  file?: StoredFile;
}

/** A file streamed into the object store. */
export interface StoredFile {
  objectName: string;
  fileName: string;
  contentType: string;
  sizeBytes: number;
  /** SHA-256 of the file content, hex. */
  sha256: string;
}

/** Options of {@link streamUpload}. */
export interface StreamUploadOptions {
  body: ReadableStream<Uint8Array>;
  contentType: string;
  store: ObjectStore;
  /** Object name for the file, chosen before the upload starts. */
  objectName: string;
  maxFileBytes: number;
  /** Form field that carries the file; other file fields are rejected. */
  fileField: string;
}

const MAX_FIELD_BYTES = 64 * 1024;
const MAX_FIELDS = 20;

/**
 * Parses a multipart form as it arrives and streams its one file into the object store, so a
 * large workbook is never held in memory. A file over `maxFileBytes` is deleted again and the
 * request fails with 413.
 */
export async function streamUpload(options: StreamUploadOptions): Promise<ParsedUpload> {
  const parser = busboy({
    headers: { 'content-type': options.contentType },
    limits: {
      fileSize: options.maxFileBytes,
      files: 1,
      fields: MAX_FIELDS,
      fieldSize: MAX_FIELD_BYTES,
    },
  });
  const fields: Record<string, string> = {};
  let storing: Promise<StoredFile> | undefined;
  let tooLarge = false;

  const finished = new Promise<void>((resolve, reject) => {
    parser.on('field', (name, value) => {
      fields[name] = value;
    });
    parser.on('file', (name, file, info) => {
      if (name !== options.fileField || storing) {
        file.resume();
        return;
      }
      file.on('limit', () => {
        tooLarge = true;
      });
      storing = storeFile(options, file, info.filename, info.mimeType);
      storing.catch(() => undefined);
    });
    parser.on('close', () => resolve());
    parser.on('error', (error) =>
      reject(new ApiError('BAD_REQUEST', `The multipart body is malformed: ${String(error)}`)),
    );
  });
  Readable.fromWeb(options.body as WebReadableStream<Uint8Array>).pipe(parser);
  await finished;

  const file = await storing;
  if (tooLarge) {
    if (file) await options.store.delete(file.objectName).catch(() => undefined);
    throw new ApiError(
      'PAYLOAD_TOO_LARGE',
      `The file is larger than the limit of ${options.maxFileBytes} bytes.`,
      { max_bytes: options.maxFileBytes },
    );
  }
  return file ? { fields, file } : { fields };
}

async function storeFile(
  options: StreamUploadOptions,
  file: Readable,
  fileName: string | undefined,
  contentType: string,
): Promise<StoredFile> {
  const hash = createHash('sha256');
  let sizeBytes = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      hash.update(chunk);
      sizeBytes += chunk.length;
      callback(null, chunk);
    },
  });
  const web = Readable.toWeb(file.pipe(counter)) as unknown as ReadableStream<Uint8Array>;
  try {
    await options.store.put({ name: options.objectName }, web);
  } catch (error) {
    file.resume();
    throw new ApiError(
      'MESSAGING_UNAVAILABLE',
      'The file could not be stored because NATS is not reachable. Try again shortly.',
      undefined,
      { cause: error },
    );
  }
  return {
    objectName: options.objectName,
    fileName: fileName ?? 'upload',
    contentType,
    sizeBytes,
    sha256: hash.digest('hex'),
  };
}
