import { isObject } from './batch-summary';
import { ApiError, FileError, NetworkError, UsageError } from './errors';
import { formatUsageLine } from './help';
import type { Output } from './output';

/** Row errors of a rejected import that the message lists before it summarizes the rest. */
const MAX_LISTED_ROW_ERRORS = 20;
/** Longest JSON of error details that the message quotes. */
const MAX_DETAILS_CHARS = 1_000;

const PROGRAM = 'orderflow';

/**
 * Describes one row error of an import, such as `row 4, column amount: ...`. A message that
 * already starts with its row, as the importer writes them, is shown alone.
 */
export function formatRowError(error: Record<string, unknown>): string {
  const place = [
    typeof error.row === 'number' ? `row ${error.row}` : undefined,
    typeof error.index === 'number' && typeof error.row !== 'number'
      ? `item ${error.index}`
      : undefined,
    typeof error.column === 'string' ? `column ${error.column}` : undefined,
  ].filter(Boolean);
  const message = typeof error.message === 'string' ? error.message : JSON.stringify(error);
  const namesPlace = place.length > 0 && message.toLowerCase().startsWith(place[0]!);
  return place.length > 0 && !namesPlace ? `${place.join(', ')}: ${message}` : message;
}

/** Formats the details of an API error: row errors one per line, anything else as JSON. */
function formatDetails(details: unknown): string[] {
  if (details === undefined || details === null) return [];
  const rowErrors = isObject(details) && Array.isArray(details.errors) ? details.errors : undefined;
  if (rowErrors) {
    const listed = rowErrors.slice(0, MAX_LISTED_ROW_ERRORS).filter(isObject).map(formatRowError);
    const total =
      isObject(details) && typeof details.error_count === 'number'
        ? details.error_count
        : rowErrors.length;
    const rest = total - listed.length;
    return [...listed.map((line) => `  ${line}`), ...(rest > 0 ? [`  and ${rest} more`] : [])];
  }
  const json = JSON.stringify(details);
  const quoted = json.length > MAX_DETAILS_CHARS ? `${json.slice(0, MAX_DETAILS_CHARS)}...` : json;
  return [`  details: ${quoted}`];
}

/** Lines that explain an API error: status, code, message, request id and details. */
export function describeApiError(error: ApiError): string[] {
  const status = error.status > 0 ? `HTTP ${error.status} ` : '';
  const lines = [`${PROGRAM}: ${status}${error.code}: ${error.message}`];
  lines.push(...formatDetails(error.details));
  if (error.requestId) lines.push(`  request id: ${error.requestId}`);
  if (error.hint) lines.push(`  ${error.hint}`);
  if (error.status === 401) {
    lines.push(
      '  Pass the API token with --token or ORDERFLOW_API_TOKEN; `npm start` prints it and ' +
        'stores it in .data/api-token.',
    );
  }
  return lines;
}

/**
 * Writes what went wrong to stderr, and with `--json` also the error as one line of JSON to
 * stdout, so that scripts can read the code, also after the lines of `submit --start`. Returns false for errors the CLI does not know, which are bugs.
 */
export function reportError(error: unknown, out: Output, json: boolean): boolean {
  if (error instanceof UsageError) {
    out.message(`${PROGRAM}: ${error.message}`);
    out.message(
      error.command
        ? formatUsageLine(error.command as never)
        : `usage: ${PROGRAM} COMMAND [ARGUMENTS] [OPTIONS]`,
    );
    out.message(`Run '${PROGRAM} help${error.command ? ` ${error.command}` : ''}' for details.`);
    return true;
  }
  if (error instanceof ApiError) {
    for (const line of describeApiError(error)) out.message(line);
    if (json)
      out.jsonLine(
        isObject(error.body) && isObject(error.body.error)
          ? error.body
          : errorJson(error.code, error.message, error.status),
      );
    return true;
  }
  if (error instanceof NetworkError) {
    out.message(`${PROGRAM}: ${error.message}`);
    out.message(
      '  Check that the gateway is running and that --api-url or ORDERFLOW_API_URL points to it.',
    );
    if (json) out.jsonLine(errorJson('NETWORK_ERROR', error.message));
    return true;
  }
  if (error instanceof FileError) {
    out.message(`${PROGRAM}: ${error.message}`);
    if (json) out.jsonLine(errorJson('FILE_ERROR', error.message));
    return true;
  }
  return false;
}

function errorJson(code: string, message: string, status?: number) {
  return { error: { code, message, ...(status ? { http_status: status } : {}) } };
}
