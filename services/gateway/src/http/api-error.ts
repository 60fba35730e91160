import { type ErrorCode, httpStatusOf } from '@orderflow/contracts';

/**
 * An error that the gateway returns to the client as it is: a code from the contract's closed
 * set, a message for people, and optional details such as row errors.
 */
export class ApiError extends Error {
  override name = 'ApiError';

  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  /** HTTP status of the code, from the one table in the contracts. */
  get status(): number {
    return httpStatusOf(this.code);
  }
}

const CONNECTION_ERROR_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  // Postgres: admin_shutdown, crash_shutdown, cannot_connect_now.
  '57P01',
  '57P02',
  '57P03',
]);

/**
 * Tells whether an error means that Postgres cannot be reached. `pg` raises plain errors
 * without a code when a connection ends or the pool cannot connect in time, so those two are
 * recognised by their fixed messages in pg 8.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && (CONNECTION_ERROR_CODES.has(code) || code.startsWith('08'))) {
    return true;
  }
  if (error instanceof AggregateError) return error.errors.some(isDatabaseUnavailable);
  return (
    error.message.startsWith('Connection terminated') ||
    error.message.startsWith('timeout exceeded when trying to connect')
  );
}

/** Turns a Postgres connection failure into the 503 that clients should retry. */
export function readModelUnavailable(cause: unknown): ApiError {
  return new ApiError(
    'READ_MODEL_UNAVAILABLE',
    'The read model (Postgres) cannot be reached right now. Try again in a few seconds.',
    undefined,
    { cause },
  );
}
