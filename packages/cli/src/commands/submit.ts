import { randomUUID } from 'node:crypto';
import { openAsBlob } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { isObject, summarizeBatch } from '../batch-summary';
import { type CommandContext, flagOption, resolveUserPath, stringOption } from '../command-context';
import { ApiError, FileError, toFileError, UsageError } from '../errors';
import { plural } from '../output';
import { parsePositiveInt } from '../parse-args';
import { formatRowError } from '../report-error';
import { describeControlResult, sendControl } from './control';
import { watchBatch } from './watch';

/** Media type of each file type that `submit` uploads as a multipart form. */
const UPLOAD_TYPES: Record<string, string> = {
  '.xlsx': 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  '.xlsm': 'application/vnd.ms-excel.sheet.macroEnabled.12',
  '.csv': 'text/csv',
};

/** Wait between two polls of a batch whose import the gateway accepted but has not finished. */
const IMPORT_POLL_INTERVAL_MS = 1_000;
/** Maximum wait for an accepted import to finish. */
const IMPORT_POLL_TIMEOUT_MS = 10 * 60_000;

/** Skipped rows that `submit` lists before it summarizes the rest. */
const MAX_LISTED_SKIPPED_ROWS = 20;

/** Options of the create request, named as the REST interface names them. */
interface CreateOptions {
  name?: string;
  description?: string;
  skip_invalid?: boolean;
  allow_duplicates?: boolean;
  max_concurrency?: number;
}

/** Creates a batch from a file, then optionally starts and watches it (`submit FILE ...`). */
export async function submitCommand(context: CommandContext): Promise<void> {
  const file = context.args[0]!;
  const extension = extname(file).toLowerCase();
  if (extension !== '.json' && !UPLOAD_TYPES[extension]) {
    throw new UsageError(
      `unsupported file type '${extension || file}': expected .xlsx, .xlsm, .csv or .json`,
      context.command,
    );
  }
  if (flagOption(context, 'allow-repeated-orders') && !flagOption(context, 'start')) {
    throw new UsageError('--allow-repeated-orders applies only with --start', context.command);
  }
  const options = readCreateOptions(context);
  const path = resolveUserPath(context, file);

  const batch =
    extension === '.json'
      ? await createFromJson(context, await readJsonRequest(path, options))
      : await createFromUpload(context, await buildUploadForm(path, extension, options));
  const batchId = summarizeBatch(batch).id;
  printCreated(context, batch);

  if (flagOption(context, 'start')) {
    const started = await sendControl(context, batchId, 'start');
    if (context.json) context.out.jsonLine(started ?? {});
    else context.out.line(describeControlResult('start', batchId, started, context));
  }
  if (flagOption(context, 'watch')) await watchBatch(context, batchId);
}

/**
 * Sends `POST /` with an Idempotency-Key (the user's, or a new random one), so that the request
 * can be sent again safely. When the gateway responds with 202 because the import is still
 * running, the repeated request waits for the same import and returns its outcome, a rejection
 * included.
 */
async function createFromJson(context: CommandContext, body: unknown): Promise<unknown> {
  const key = stringOption(context, 'idempotency-key') ?? `cli-${randomUUID()}`;
  const deadline = Date.now() + IMPORT_POLL_TIMEOUT_MS;
  let announced = false;
  for (;;) {
    const response = await context.api.request('/', {
      method: 'POST',
      json: body,
      headers: { 'idempotency-key': key },
    });
    if (response.status !== 202) return context.api.readJson(response);

    await response.body?.cancel();
    if (!announced) announceRunningImport(context);
    announced = true;
    await waitForImport(deadline);
  }
}

/**
 * Sends `POST /upload`. When the gateway responds with 202, polls the batch at the `Location` it
 * names, because sending the file again would store it again.
 *
 * NOTE: the gateway reports a rejected import only in the response to the create request, so a
 * file rejected after a 202 shows here as a batch that never appears until the poll deadline.
 */
async function createFromUpload(context: CommandContext, form: FormData): Promise<unknown> {
  const key = stringOption(context, 'idempotency-key');
  const response = await context.api.request('/upload', {
    method: 'POST',
    form,
    headers: key ? { 'idempotency-key': key } : {},
  });
  const location = response.headers.get('location');
  if (response.status !== 202 || !location) return context.api.readJson(response);

  await response.body?.cancel();
  const url = context.api.absoluteUrl(location);
  const deadline = Date.now() + IMPORT_POLL_TIMEOUT_MS;
  announceRunningImport(context);
  for (;;) {
    await waitForImport(deadline);
    try {
      return await context.api.readJson(await context.api.requestUrl(url));
    } catch (error) {
      // The read model shows the batch only once the import has finished.
      if (!(error instanceof ApiError && error.status === 404)) throw error;
    }
  }
}

/** Waits before the next poll of a running import, or gives up after the deadline. */
async function waitForImport(deadline: number): Promise<void> {
  if (Date.now() > deadline) {
    throw new ApiError(
      202,
      'IMPORT_STILL_RUNNING',
      `the import was not finished after ${IMPORT_POLL_TIMEOUT_MS / 1000} s; ` +
        'check later with: orderflow list',
    );
  }
  await sleep(IMPORT_POLL_INTERVAL_MS);
}

function announceRunningImport(context: CommandContext): void {
  if (!context.json) {
    context.out.message('The gateway is still importing the file; waiting for the batch.');
  }
}

function readCreateOptions(context: CommandContext): CreateOptions {
  const options: CreateOptions = {};
  const name = stringOption(context, 'name');
  const description = stringOption(context, 'description');
  const maxConcurrency = stringOption(context, 'max-concurrency');
  if (name !== undefined) options.name = name;
  if (description !== undefined) options.description = description;
  if (flagOption(context, 'skip-invalid')) options.skip_invalid = true;
  if (flagOption(context, 'allow-duplicates')) options.allow_duplicates = true;
  if (maxConcurrency !== undefined) {
    options.max_concurrency = parsePositiveInt(maxConcurrency, 'max-concurrency', context.command);
  }
  return options;
}

/** Name of a batch when neither the file nor `--name` gives one: the file name. */
function defaultName(path: string): string {
  return basename(path, extname(path));
}

/**
 * Reads a JSON file holding `{ name, description, task_items }`, or only the array of items, and
 * applies the command-line options over it.
 */
async function readJsonRequest(path: string, options: CreateOptions): Promise<unknown> {
  const text = await readFile(path, 'utf8').catch((error: unknown) => {
    throw toFileError(path, 'read', error);
  });
  let content: unknown;
  try {
    content = JSON.parse(text);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new FileError(path, `${path} is not valid JSON: ${reason}`, { cause: error });
  }

  const request = Array.isArray(content) ? { task_items: content } : content;
  if (!isObject(request) || !Array.isArray(request.task_items)) {
    throw new FileError(
      path,
      `${path} must hold an object with a task_items array, or an array of items`,
    );
  }
  const name = typeof request.name === 'string' ? request.name : defaultName(path);
  return { ...request, name, ...options };
}

async function buildUploadForm(
  path: string,
  extension: string,
  options: CreateOptions,
): Promise<FormData> {
  // openAsBlob reads the file as the request is sent, so large workbooks are not buffered. It
  // throws a bare "Unable to open file as blob" for a missing file, so a stat comes first to
  // report the real reason.
  let file: Blob;
  try {
    const info = await stat(path);
    if (info.isDirectory()) throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
    file = await openAsBlob(path, { type: UPLOAD_TYPES[extension]! });
  } catch (error) {
    throw toFileError(path, 'read', error);
  }
  const form = new FormData();
  form.set('name', options.name ?? defaultName(path));
  for (const [field, value] of Object.entries(options)) {
    if (field !== 'name' && value !== undefined) form.set(field, String(value));
  }
  form.set('file', file, basename(path));
  return form;
}

function printCreated(context: CommandContext, batch: unknown): void {
  if (context.json) {
    const watching = flagOption(context, 'watch') || flagOption(context, 'start');
    if (watching) context.out.jsonLine(batch);
    else context.out.json(batch);
    return;
  }
  const summary = summarizeBatch(batch);
  context.out.line(
    `Created batch ${summary.id} "${summary.name}" with ${summary.totalItems} ` +
      `${plural(summary.totalItems, 'item')}.`,
  );
  printSkippedRows(context, batch);
  if (!flagOption(context, 'start'))
    context.out.line(`Start it with: orderflow start ${summary.id}`);
}

/** Lists the rows that `--skip-invalid` left out, as the batch reports them. */
function printSkippedRows(context: CommandContext, batch: unknown): void {
  const rows = isObject(batch) && Array.isArray(batch.skipped_rows) ? batch.skipped_rows : [];
  const total =
    isObject(batch) && typeof batch.skipped_row_count === 'number'
      ? batch.skipped_row_count
      : rows.length;
  if (total === 0) return;

  context.out.line(`Skipped ${total} invalid ${plural(total, 'row')}:`);
  const listed = rows.slice(0, MAX_LISTED_SKIPPED_ROWS).filter(isObject);
  for (const row of listed) context.out.line(`  ${formatRowError(row)}`);
  if (total > listed.length) context.out.line(`  and ${total - listed.length} more`);
}
