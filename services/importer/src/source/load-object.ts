import type { ObjectStore } from '@nats-io/obj';
import { ImportRejection } from '../import-rejection';

function tooLarge(sizeBytes: number, maxBytes: number): ImportRejection {
  return new ImportRejection(
    'PAYLOAD_TOO_LARGE',
    `The file has ${sizeBytes.toLocaleString('en-US')} bytes; at most ` +
      `${maxBytes.toLocaleString('en-US')} are accepted (IMPORT_MAX_FILE_BYTES). ` +
      'Split the rows into several files',
  );
}

/**
 * Reads an object from the uploads bucket into memory, at most `maxBytes`. The size is checked
 * from the object's metadata before reading and again while reading. A missing object is a
 * final NOT_FOUND rejection: the upload expired or was never stored.
 */
export async function loadObject(
  store: ObjectStore,
  objectName: string,
  maxBytes: number,
): Promise<Buffer> {
  const result = await store.get(objectName);
  if (!result) {
    throw new ImportRejection(
      'NOT_FOUND',
      `The uploaded file ${objectName} is no longer stored; upload it again`,
    );
  }
  if (result.info.size > maxBytes) {
    await result.data.cancel();
    throw tooLarge(result.info.size, maxBytes);
  }

  const chunks: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of result.data) {
    total += chunk.length;
    if (total > maxBytes) throw tooLarge(total, maxBytes);
    chunks.push(chunk);
  }
  const error = await result.error;
  if (error) throw error;
  return Buffer.concat(chunks, total);
}
