import { describe, expect, it } from 'vitest';
import { ApiError, FileError, NetworkError, UsageError } from '../src/errors';
import { Output, type TextSink } from '../src/output';
import { describeApiError, reportError } from '../src/report-error';

class Recorder implements TextSink {
  text = '';
  write(chunk: string | Uint8Array): boolean {
    this.text += String(chunk);
    return true;
  }
}

function capture(error: unknown, json = false) {
  const stdout = new Recorder();
  const stderr = new Recorder();
  const known = reportError(error, new Output(stdout, stderr, false), json);
  return { known, stdout: stdout.text, stderr: stderr.text };
}

describe('describeApiError', () => {
  it('names status, code, message and request id', () => {
    const error = new ApiError(404, 'NOT_FOUND', 'Batch b1 was not found.', undefined, 'req-1');

    expect(describeApiError(error)).toEqual([
      'orderflow: HTTP 404 NOT_FOUND: Batch b1 was not found.',
      '  request id: req-1',
    ]);
  });

  it('lists row errors and counts the rest', () => {
    const errors = Array.from({ length: 25 }, (_, index) => ({
      row: index + 2,
      column: 'amount',
      message: 'not a number',
    }));
    const error = new ApiError(422, 'IMPORT_REJECTED', 'Rows are invalid.', {
      errors,
      error_count: 40,
    });

    const lines = describeApiError(error);

    expect(lines[1]).toBe('  row 2, column amount: not a number');
    expect(lines).toHaveLength(22);
    expect(lines.at(-1)).toBe('  and 20 more');
  });

  it('shows a message that names its row alone', () => {
    const error = new ApiError(422, 'IMPORT_REJECTED', 'Rows are invalid.', {
      errors: [{ row: 3, column: 'amount', message: 'Row 3, column amount: not a number' }],
    });

    expect(describeApiError(error)[1]).toBe('  Row 3, column amount: not a number');
  });

  it('names the item index of a JSON row error', () => {
    const error = new ApiError(422, 'IMPORT_REJECTED', 'Rows are invalid.', {
      errors: [{ index: 3, message: 'missing order_url' }],
    });

    expect(describeApiError(error)[1]).toBe('  item 3: missing order_url');
  });

  it('prints other details as JSON', () => {
    const error = new ApiError(409, 'INVALID_TRANSITION', 'No.', { status: 'pending' });

    expect(describeApiError(error)[1]).toBe('  details: {"status":"pending"}');
  });

  it('adds a hint about the token to a 401', () => {
    const lines = describeApiError(new ApiError(401, 'UNAUTHORIZED', 'A token is required.'));

    expect(lines.at(-1)).toContain('--token or ORDERFLOW_API_TOKEN');
  });
});

describe('reportError', () => {
  it('prints a usage error with the usage line', () => {
    const result = capture(new UsageError('missing argument ID', 'retry'));

    expect(result.known).toBe(true);
    expect(result.stderr.split('\n')).toEqual([
      'orderflow: missing argument ID',
      'usage: orderflow retry ID [--limit N]',
      "Run 'orderflow help retry' for details.",
      '',
    ]);
  });

  it('prints the error body to stdout with --json', () => {
    const body = { error: { code: 'NOT_FOUND', message: 'gone' } };
    const result = capture(
      new ApiError(404, 'NOT_FOUND', 'gone', undefined, undefined, body),
      true,
    );

    expect(JSON.parse(result.stdout)).toEqual(body);
  });

  it('describes a response without the error shape in JSON', () => {
    const result = capture(
      new ApiError(502, 'HTTP_502', 'Bad Gateway', undefined, undefined, 'x'),
      true,
    );

    expect(JSON.parse(result.stdout)).toEqual({
      error: { code: 'HTTP_502', message: 'Bad Gateway', http_status: 502 },
    });
  });

  it('codes network and file errors', () => {
    const network = capture(new NetworkError('http://127.0.0.1:1/', 'refused'), true);
    const file = capture(new FileError('/tmp/x', 'cannot read /tmp/x: no such file'), true);

    expect(JSON.parse(network.stdout).error.code).toBe('NETWORK_ERROR');
    expect(network.stderr).toContain('--api-url or ORDERFLOW_API_URL');
    expect(JSON.parse(file.stdout).error.code).toBe('FILE_ERROR');
  });

  it('leaves unknown errors to the caller', () => {
    const result = capture(new TypeError('bug'));

    expect(result.known).toBe(false);
    expect(result.stderr).toBe('');
  });
});
