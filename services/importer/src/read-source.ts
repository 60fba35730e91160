import type { ObjectStore } from '@nats-io/obj';
import type { ImportBatchCommand } from '@orderflow/contracts';
import { ImportRejection } from './import-rejection';
import type { RowSink, SourceTable } from './rows/source-table';
import { detectFormat } from './source/detect-format';
import { loadObject } from './source/load-object';
import { readCsv } from './source/read-csv';
import { parseJsonBody, readJsonItems } from './source/read-json';
import { type ReadLimits, readWorkbook } from './source/read-workbook';
import { DateStyleManager } from './source/workbook-styles';
import { checkInflatedSize, type ZipEntry, ZipFormatError } from './source/zip-directory';

/** Limits that apply to reading a source. */
export interface SourceLimits extends ReadLimits {
  maxFileBytes: number;
  maxUncompressedBytes: number;
}

/** Opens an object store bucket by name. */
export type OpenBucket = (bucket: string) => Promise<ObjectStore>;

/** Maximum characters of a library's error message repeated to the user. */
const MAX_CAUSE_CHARS = 200;

const SAVE_AS = 'Save the sheet as an Excel workbook (.xlsx) or as CSV UTF-8, and upload that file';

/**
 * Reads the rows of an import: inline JSON items, a JSON body, a workbook or a CSV file from the
 * uploads bucket. Throws {@link ImportRejection} for anything the user must fix; other errors
 * (NATS unavailable) are left to the caller to retry.
 */
export async function readSource(
  command: ImportBatchCommand,
  openBucket: OpenBucket,
  limits: SourceLimits,
  sink: RowSink,
): Promise<SourceTable> {
  const source = command.source;
  if (source.kind === 'items') return readJsonItems(source.items, limits, sink);

  if (source.sizeBytes > limits.maxFileBytes) {
    throw new ImportRejection(
      'PAYLOAD_TOO_LARGE',
      `The file has ${source.sizeBytes.toLocaleString('en-US')} bytes; at most ` +
        `${limits.maxFileBytes.toLocaleString('en-US')} are accepted (IMPORT_MAX_FILE_BYTES)`,
    );
  }
  const store = await openBucket(source.bucket);
  const buffer = await loadObject(store, source.objectName, limits.maxFileBytes);
  if (source.format === 'json') return readJsonItems(parseJsonBody(buffer), limits, sink);

  const format = detectFormat(buffer, source.fileName);
  if (format.kind === 'csv') return readCsv(format.text, limits, sink);
  await checkWorkbookSize(buffer, format.entries, limits.maxUncompressedBytes, source.fileName);
  return readWorkbookOrReject(buffer, format.entries, limits, sink, source.fileName);
}

async function checkWorkbookSize(
  buffer: Buffer,
  entries: ZipEntry[],
  maxBytes: number,
  fileName: string | undefined,
): Promise<void> {
  let check: Awaited<ReturnType<typeof checkInflatedSize>>;
  try {
    check = await checkInflatedSize(buffer, entries, maxBytes);
  } catch (error) {
    if (!(error instanceof ZipFormatError)) throw error;
    throw unreadable(error.message, fileName, error);
  }
  if (check.ok) return;
  const megabytes = Math.floor(maxBytes / (1024 * 1024));
  throw new ImportRejection(
    'PAYLOAD_TOO_LARGE',
    `The workbook${fileName ? ` "${fileName}"` : ''} expands to more than ${megabytes} MB ` +
      'when decompressed (IMPORT_MAX_UNCOMPRESSED_BYTES), so it is not read. ' +
      'Remove images and unused sheets, or split the rows into several files',
  );
}

/**
 * Reads a workbook, turning any failure of the reader into UNSUPPORTED_FILE_FORMAT: whatever
 * exceljs cannot parse is a damaged or unusual file, and reading it again gives the same result.
 */
async function readWorkbookOrReject(
  buffer: Buffer,
  entries: ZipEntry[],
  limits: SourceLimits,
  sink: RowSink,
  fileName: string | undefined,
): Promise<SourceTable> {
  try {
    const styles = DateStyleManager.fromWorkbook(buffer, entries, limits.maxUncompressedBytes);
    return await readWorkbook(buffer, entries, limits, sink, styles);
  } catch (error) {
    if (error instanceof ImportRejection) throw error;
    const cause = error instanceof Error ? error.message : String(error);
    throw unreadable(cause.slice(0, MAX_CAUSE_CHARS), fileName, error);
  }
}

function unreadable(cause: string, fileName: string | undefined, error: unknown): ImportRejection {
  return new ImportRejection(
    'UNSUPPORTED_FILE_FORMAT',
    `The workbook${fileName ? ` "${fileName}"` : ''} is damaged or cannot be read (${cause}). ${SAVE_AS}.`,
    [],
    0,
    { cause: error },
  );
}
