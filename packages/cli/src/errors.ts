/** Exit status of the CLI: 0 on success, 1 on an API, network or file error, 2 on bad usage. */
export const ExitCode = {
  Success: 0,
  Failure: 1,
  Usage: 2,
} as const;

export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** A command line that names an unknown command or option, or lacks a required argument. */
export class UsageError extends Error {
  override readonly name = 'UsageError';

  /**
   * @param command the command whose usage line to print, when the command is known
   */
  constructor(
    message: string,
    readonly command?: string,
  ) {
    super(message);
  }
}

/** An HTTP response with a non-2xx status, with the fields of the gateway's error body. */
export class ApiError extends Error {
  override readonly name = 'ApiError';

  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
    readonly requestId?: string,
    /** The parsed error body, or the response text when it was not JSON. */
    readonly body?: unknown,
  ) {
    super(message);
  }
}

/** A request that got no HTTP response: connection refused, DNS failure, timeout, reset. */
export class NetworkError extends Error {
  override readonly name = 'NetworkError';

  constructor(
    readonly url: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** A local file that cannot be read or written, or holds something the command cannot use. */
export class FileError extends Error {
  override readonly name = 'FileError';

  constructor(
    readonly path: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
