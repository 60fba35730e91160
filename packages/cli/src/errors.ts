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

  /** Next step for the user, printed after the error, set by the command that sent the request. */
  hint?: string;
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

/** A local file that cannot be read or written, or whose content the command cannot use. */
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

const FILE_ERROR_REASONS: Record<string, string> = {
  ENOENT: 'no such file',
  EACCES: 'permission denied',
  EISDIR: 'is a directory',
  ENOTDIR: 'a parent is not a directory',
  ENOSPC: 'no space left on the device',
};

/** Wraps a failed file operation as a {@link FileError} whose message names the path once. */
export function toFileError(path: string, action: 'read' | 'write', error: unknown): FileError {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const reason =
    (code && FILE_ERROR_REASONS[code]) ?? (error instanceof Error ? error.message : String(error));
  return new FileError(path, `cannot ${action} ${path}: ${reason}`, { cause: error });
}
