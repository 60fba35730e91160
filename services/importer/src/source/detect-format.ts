import { ImportRejection } from '../import-rejection';
import { readZipDirectory, type ZipEntry, ZipFormatError } from './zip-directory';

/** A file the importer can read, found from its content. */
export type DetectedFormat = { kind: 'xlsx'; entries: ZipEntry[] } | { kind: 'csv'; text: string };

const SAVE_AS = 'Save the sheet as an Excel workbook (.xlsx) or as CSV UTF-8, and upload that file';

/** Leading bytes of formats that users upload by mistake, with the name shown to them. */
const SIGNATURES: Array<{ bytes: number[]; offset?: number; name: string }> = [
  {
    bytes: [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1],
    name: 'an Excel 97-2003 workbook (.xls) or a password-protected workbook',
  },
  { bytes: [0x25, 0x50, 0x44, 0x46], name: 'a PDF document' },
  { bytes: [0x89, 0x50, 0x4e, 0x47], name: 'a PNG image' },
  { bytes: [0xff, 0xd8, 0xff], name: 'a JPEG image' },
  { bytes: [0x47, 0x49, 0x46, 0x38], name: 'a GIF image' },
  { bytes: [0x57, 0x45, 0x42, 0x50], offset: 8, name: 'a WebP image' },
  { bytes: [0x49, 0x49, 0x2a, 0x00], name: 'a TIFF image' },
  { bytes: [0x4d, 0x4d, 0x00, 0x2a], name: 'a TIFF image' },
  { bytes: [0x1f, 0x8b], name: 'a gzip archive' },
  { bytes: [0x52, 0x61, 0x72, 0x21], name: 'a RAR archive' },
  { bytes: [0x37, 0x7a, 0xbc, 0xaf], name: 'a 7-Zip archive' },
  { bytes: [0xff, 0xfe], name: 'UTF-16 text (such as Excel\'s "Unicode Text")' },
  { bytes: [0xfe, 0xff], name: 'UTF-16 text' },
];

function startsWith(buffer: Buffer, bytes: number[], offset = 0): boolean {
  return bytes.every((byte, i) => buffer[offset + i] === byte);
}

function unsupported(received: string, fileName?: string): ImportRejection {
  const file = fileName ? ` "${fileName}"` : '';
  return new ImportRejection(
    'UNSUPPORTED_FILE_FORMAT',
    `The file${file} is ${received}. ${SAVE_AS}.`,
  );
}

/**
 * Finds the format from the bytes, never from the file name: a zip archive with an Excel
 * workbook part is `.xlsx` or `.xlsm`, UTF-8 text is CSV, and anything else is rejected with
 * UNSUPPORTED_FILE_FORMAT naming what was received.
 */
export function detectFormat(buffer: Buffer, fileName?: string): DetectedFormat {
  if (buffer.length === 0) throw unsupported('empty', fileName);
  for (const signature of SIGNATURES) {
    if (startsWith(buffer, signature.bytes, signature.offset)) {
      throw unsupported(signature.name, fileName);
    }
  }
  if (startsWith(buffer, [0x50, 0x4b])) return detectZipFormat(buffer, fileName);
  return { kind: 'csv', text: decodeText(buffer, fileName) };
}

function detectZipFormat(buffer: Buffer, fileName?: string): DetectedFormat {
  let entries: ZipEntry[];
  try {
    entries = readZipDirectory(buffer);
  } catch (error) {
    if (!(error instanceof ZipFormatError)) throw error;
    throw unsupported(`a zip archive that cannot be read (${error.message})`, fileName);
  }
  const names = new Set(entries.map((entry) => entry.name));
  if (names.has('xl/workbook.xml')) {
    if (entries.some((entry) => entry.encrypted)) {
      throw unsupported('an encrypted zip archive', fileName);
    }
    return { kind: 'xlsx', entries };
  }
  throw unsupported(describeZip(names), fileName);
}

function describeZip(names: Set<string>): string {
  if (names.has('xl/workbook.bin')) return 'an Excel binary workbook (.xlsb)';
  if (names.has('content.xml') && names.has('mimetype')) {
    return 'an OpenDocument file such as a LibreOffice spreadsheet (.ods)';
  }
  if ([...names].some((name) => name.startsWith('Index/') || name === 'Index.zip')) {
    return 'an Apple Numbers document (.numbers)';
  }
  if (names.has('word/document.xml')) return 'a Word document (.docx)';
  if (names.has('ppt/presentation.xml')) return 'a PowerPoint presentation (.pptx)';
  if (names.size === 0) return 'an empty zip archive';
  return 'a zip archive without an Excel workbook inside';
}

function decodeText(buffer: Buffer, fileName?: string): string {
  const head = buffer.subarray(0, 4_096);
  if (head.includes(0)) throw unsupported('binary data, not text', fileName);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(buffer);
  } catch {
    throw unsupported(
      'text that is not UTF-8 (perhaps CSV saved in a Windows code page)',
      fileName,
    );
  }
  const start = text.trimStart().slice(0, 200).toLowerCase();
  if (start.startsWith('<') && /<(html|table|!doctype)/.test(start)) {
    throw unsupported('an HTML page (some systems export those with an .xls name)', fileName);
  }
  if (start.startsWith('<?xml') || start.startsWith('<workbook')) {
    throw unsupported('an XML file, such as an Excel 2003 XML spreadsheet', fileName);
  }
  if (start.startsWith('{') || start.startsWith('[')) {
    throw unsupported('JSON text; send JSON items in the request body instead', fileName);
  }
  return text;
}
