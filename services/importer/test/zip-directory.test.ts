import { describe, expect, it } from 'vitest';
import { checkInflatedSize, readZipDirectory, ZipFormatError } from '../src/source/zip-directory';
import { buildZip } from './support/zip-bytes';

describe('zip directory', () => {
  it('lists entries with their sizes', () => {
    const zip = buildZip([
      { name: 'a.xml', data: Buffer.from('hello') },
      { name: 'b.xml', data: Buffer.alloc(1_000) },
    ]);
    const entries = readZipDirectory(zip);
    expect(entries.map((entry) => [entry.name, entry.uncompressedSize])).toEqual([
      ['a.xml', 5],
      ['b.xml', 1_000],
    ]);
  });

  it('rejects bytes between entries', () => {
    const zip = buildZip([{ name: 'a.xml', data: Buffer.from('hello') }]);
    const directoryOffset = zip.readUInt32LE(zip.length - 6);
    const padded = Buffer.concat([
      zip.subarray(0, directoryOffset),
      Buffer.alloc(100),
      zip.subarray(directoryOffset),
    ]);
    padded.writeUInt32LE(directoryOffset + 100, padded.length - 6);
    expect(() => readZipDirectory(padded)).toThrow(ZipFormatError);
  });

  it('rejects a truncated archive', () => {
    const zip = buildZip([{ name: 'a.xml', data: Buffer.from('hello') }]);
    expect(() => readZipDirectory(zip.subarray(0, zip.length - 10))).toThrow('truncated');
  });

  it('measures the real inflated size', async () => {
    const zip = buildZip([{ name: 'a.xml', data: Buffer.alloc(50_000), declaredSize: 10 }]);
    const entries = readZipDirectory(zip);
    expect(await checkInflatedSize(zip, entries, 100_000)).toEqual({
      ok: true,
      totalBytes: 50_000,
    });
    expect(await checkInflatedSize(zip, entries, 20_000)).toEqual({
      ok: false,
      totalBytes: 20_001,
      reason: 'actual',
    });
  });
});
