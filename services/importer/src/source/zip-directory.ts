import { PassThrough, type Readable } from 'node:stream';
import { createInflateRaw, inflateRawSync } from 'node:zlib';

/** One file of a zip archive, as its central directory describes it. */
export interface ZipEntry {
  name: string;
  /** 0 is stored, 8 is deflate; workbooks use no other method. */
  method: number;
  compressedSize: number;
  uncompressedSize: number;
  localHeaderOffset: number;
  encrypted: boolean;
}

/** Raised when bytes that start like a zip archive are not a readable one. */
export class ZipFormatError extends Error {
  override name = 'ZipFormatError';
}

const END_OF_DIRECTORY = 0x06054b50;
const ZIP64_LOCATOR = 0x07064b50;
const ZIP64_END_OF_DIRECTORY = 0x06064b50;
const DIRECTORY_ENTRY = 0x02014b50;
const LOCAL_HEADER = 0x04034b50;
const END_RECORD_BYTES = 22;
const MAX_COMMENT_BYTES = 0xffff;
const ZIP64_MARKER = 0xffffffff;

function findEndOfDirectory(buffer: Buffer): number {
  const lowest = Math.max(0, buffer.length - END_RECORD_BYTES - MAX_COMMENT_BYTES);
  for (let offset = buffer.length - END_RECORD_BYTES; offset >= lowest; offset--) {
    if (buffer.readUInt32LE(offset) === END_OF_DIRECTORY) return offset;
  }
  throw new ZipFormatError('the end of the zip directory is missing, so the file is truncated');
}

function readDirectoryLocation(buffer: Buffer, end: number): { offset: number; count: number } {
  let count = buffer.readUInt16LE(end + 10);
  let offset = buffer.readUInt32LE(end + 16);
  const locator = end - 20;
  if (offset === ZIP64_MARKER && locator >= 0 && buffer.readUInt32LE(locator) === ZIP64_LOCATOR) {
    const zip64End = Number(buffer.readBigUInt64LE(locator + 8));
    if (zip64End + 56 > buffer.length || buffer.readUInt32LE(zip64End) !== ZIP64_END_OF_DIRECTORY) {
      throw new ZipFormatError('the zip64 directory record is damaged');
    }
    count = Number(buffer.readBigUInt64LE(zip64End + 32));
    offset = Number(buffer.readBigUInt64LE(zip64End + 48));
  }
  return { offset, count };
}

/** Reads a zip64 extra field for the sizes and offset that the directory entry marks as 0xffffffff. */
function applyZip64Extra(buffer: Buffer, start: number, length: number, entry: ZipEntry): void {
  let position = start;
  while (position + 4 <= start + length) {
    const id = buffer.readUInt16LE(position);
    const size = buffer.readUInt16LE(position + 2);
    if (id === 0x0001) {
      let field = position + 4;
      const next = (): number => {
        const value = Number(buffer.readBigUInt64LE(field));
        field += 8;
        return value;
      };
      if (entry.uncompressedSize === ZIP64_MARKER) entry.uncompressedSize = next();
      if (entry.compressedSize === ZIP64_MARKER) entry.compressedSize = next();
      if (entry.localHeaderOffset === ZIP64_MARKER) entry.localHeaderOffset = next();
      return;
    }
    position += 4 + size;
  }
}

/**
 * Lists the entries of a zip archive held in memory from its central directory, without
 * decompressing anything. Throws {@link ZipFormatError} for a truncated or damaged archive.
 */
export function readZipDirectory(buffer: Buffer): ZipEntry[] {
  if (buffer.length < END_RECORD_BYTES) throw new ZipFormatError('the zip archive is truncated');
  const end = findEndOfDirectory(buffer);
  const { offset, count } = readDirectoryLocation(buffer, end);
  const entries: ZipEntry[] = [];
  let position = offset;
  for (let i = 0; i < count; i++) {
    if (position + 46 > buffer.length || buffer.readUInt32LE(position) !== DIRECTORY_ENTRY) {
      throw new ZipFormatError('the zip directory is damaged');
    }
    const nameLength = buffer.readUInt16LE(position + 28);
    const extraLength = buffer.readUInt16LE(position + 30);
    const commentLength = buffer.readUInt16LE(position + 32);
    if (position + 46 + nameLength + extraLength > buffer.length) {
      throw new ZipFormatError('the zip directory is damaged');
    }
    const entry: ZipEntry = {
      name: buffer.toString('utf8', position + 46, position + 46 + nameLength),
      method: buffer.readUInt16LE(position + 10),
      compressedSize: buffer.readUInt32LE(position + 20),
      uncompressedSize: buffer.readUInt32LE(position + 24),
      localHeaderOffset: buffer.readUInt32LE(position + 42),
      encrypted: (buffer.readUInt16LE(position + 8) & 0x1) !== 0,
    };
    applyZip64Extra(buffer, position + 46 + nameLength, extraLength, entry);
    entries.push(entry);
    position += 46 + nameLength + extraLength + commentLength;
  }
  checkContiguous(buffer, entries, offset);
  return entries;
}

/** Lengths a data descriptor after an entry may have: with or without signature, zip64 or not. */
const DESCRIPTOR_LENGTHS = [0, 12, 16, 20, 24];

/**
 * Checks that the entries follow each other with no gap from the start of the file to the
 * central directory. A streaming unzipper reads local headers in file order, so bytes between
 * entries could contain a part that the directory does not list and no size check would see.
 */
function checkContiguous(buffer: Buffer, entries: ZipEntry[], directoryOffset: number): void {
  const sorted = [...entries].sort((a, b) => a.localHeaderOffset - b.localHeaderOffset);
  let expected = 0;
  for (const entry of sorted) {
    const gap = entry.localHeaderOffset - expected;
    if (!DESCRIPTOR_LENGTHS.includes(gap)) {
      throw new ZipFormatError('the zip archive has data outside the entries its directory lists');
    }
    expected = dataOffset(buffer, entry) + entry.compressedSize;
  }
  if (!DESCRIPTOR_LENGTHS.includes(directoryOffset - expected)) {
    throw new ZipFormatError('the zip archive has data outside the entries its directory lists');
  }
}

/** Start of an entry's compressed data, found through its local header. */
function dataOffset(buffer: Buffer, entry: ZipEntry): number {
  const header = entry.localHeaderOffset;
  if (header + 30 > buffer.length || buffer.readUInt32LE(header) !== LOCAL_HEADER) {
    throw new ZipFormatError(`the zip entry ${entry.name} is damaged`);
  }
  const start = header + 30 + buffer.readUInt16LE(header + 26) + buffer.readUInt16LE(header + 28);
  if (start + entry.compressedSize > buffer.length) {
    throw new ZipFormatError(`the zip entry ${entry.name} is truncated`);
  }
  return start;
}

/**
 * Inflates one entry, counting its output and stopping as soon as it passes `maxBytes`. Returns
 * the number of bytes it inflates to, or `maxBytes + 1` when it is larger.
 */
function measureInflatedSize(buffer: Buffer, entry: ZipEntry, maxBytes: number): Promise<number> {
  const start = dataOffset(buffer, entry);
  const compressed = buffer.subarray(start, start + entry.compressedSize);
  if (entry.method === 0) return Promise.resolve(compressed.length);

  return new Promise((resolve, reject) => {
    const inflate = createInflateRaw();
    let total = 0;
    inflate.on('data', (chunk: Buffer) => {
      total += chunk.length;
      if (total > maxBytes) {
        inflate.destroy();
        resolve(maxBytes + 1);
      }
    });
    inflate.on('end', () => resolve(total));
    inflate.on('error', (error) =>
      reject(new ZipFormatError(`the zip entry ${entry.name} is corrupt`, { cause: error })),
    );
    inflate.end(compressed);
  });
}

/**
 * Returns the decompressed content of one small entry. Throws a RangeError when it would pass
 * `maxBytes`, so call it only after {@link checkInflatedSize}.
 */
export function readZipEntry(buffer: Buffer, entry: ZipEntry, maxBytes: number): Buffer {
  const start = dataOffset(buffer, entry);
  const data = buffer.subarray(start, start + entry.compressedSize);
  if (entry.method === 0) return data;
  return inflateRawSync(data, { maxOutputLength: maxBytes });
}

/**
 * Streams the decompressed content of one entry as text. The stream decodes UTF-8 itself, so a
 * character whose bytes fall on both sides of a chunk boundary arrives whole.
 */
export function openZipEntryText(buffer: Buffer, entry: ZipEntry): Readable {
  const start = dataOffset(buffer, entry);
  const data = buffer.subarray(start, start + entry.compressedSize);
  const stream = entry.method === 0 ? new PassThrough() : createInflateRaw();
  stream.setEncoding('utf8');
  stream.end(data);
  return stream;
}

/** Result of {@link checkInflatedSize}. */
export type InflatedSizeCheck =
  | { ok: true; totalBytes: number }
  | { ok: false; totalBytes: number; reason: 'declared' | 'actual' };

/**
 * Checks that the archive stays within `maxTotalBytes` once decompressed. It first sums the sizes
 * that the central directory declares, which costs nothing. Then it measures the real output of
 * every entry, because a crafted archive can declare small sizes and still inflate to gigabytes.
 * Inflating stops at the limit, so a zip bomb costs at most `maxTotalBytes` of CPU work and no
 * memory.
 */
export async function checkInflatedSize(
  buffer: Buffer,
  entries: ZipEntry[],
  maxTotalBytes: number,
): Promise<InflatedSizeCheck> {
  const declared = entries.reduce((sum, entry) => sum + entry.uncompressedSize, 0);
  if (declared > maxTotalBytes) return { ok: false, totalBytes: declared, reason: 'declared' };

  let total = 0;
  for (const entry of entries) {
    if (entry.method !== 0 && entry.method !== 8) {
      throw new ZipFormatError(
        `the zip entry ${entry.name} uses compression method ${entry.method}`,
      );
    }
    total += await measureInflatedSize(buffer, entry, maxTotalBytes - total);
    if (total > maxTotalBytes) return { ok: false, totalBytes: total, reason: 'actual' };
  }
  return { ok: true, totalBytes: total };
}
