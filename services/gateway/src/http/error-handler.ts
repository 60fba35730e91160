import type { ErrorCode } from '@orderflow/contracts';
import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { Logger } from 'pino';
import type { ZodError } from 'zod';
import { ApiError, isDatabaseUnavailable, readModelUnavailable } from './api-error';
import type { AppEnv } from './context';

const HTTP_EXCEPTION_CODES: Record<number, ErrorCode> = {
  400: 'BAD_REQUEST',
  401: 'UNAUTHORIZED',
  404: 'NOT_FOUND',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
};

/** Raises 422 with every invalid field of a request, as zod reported them. */
export function validationFailed(error: ZodError): ApiError {
  const fields = error.issues.map((issue) => ({
    field: issue.path.join('.'),
    message: issue.message,
  }));
  const summary = fields
    .slice(0, 5)
    .map((field) => (field.field ? `${field.field}: ${field.message}` : field.message))
    .join('; ');
  return new ApiError('VALIDATION_FAILED', `Invalid request: ${summary}`, { fields });
}

/**
 * Turns any error into the one error body. Known errors keep their code, and a lost Postgres
 * connection becomes READ_MODEL_UNAVAILABLE. Everything else is logged and becomes INTERNAL,
 * with the stack in the details only when `exposeStacks` is set.
 */
export function createErrorHandler(log: Logger, exposeStacks: boolean) {
  return (error: Error, c: Context<AppEnv>): Response => {
    const requestLog = c.get('log') ?? log;
    const apiError = toApiError(error, requestLog, exposeStacks);
    if (apiError.status >= 500 && apiError.code !== 'INTERNAL') {
      requestLog.warn({ code: apiError.code, err: apiError.cause }, 'request failed');
    }
    return c.json(
      {
        error: {
          code: apiError.code,
          message: apiError.message,
          ...(apiError.details === undefined ? {} : { details: apiError.details }),
          request_id: c.get('requestId'),
        },
      },
      apiError.status as 400,
    );
  };
}

function toApiError(error: Error, log: Logger, exposeStacks: boolean): ApiError {
  if (error instanceof ApiError) return error;
  if (isDatabaseUnavailable(error)) return readModelUnavailable(error);
  if (error instanceof HTTPException) {
    const code = HTTP_EXCEPTION_CODES[error.status];
    if (code) return new ApiError(code, error.message || 'The request is invalid.');
  }
  log.error({ err: error }, 'request failed with an unexpected error');
  return new ApiError(
    'INTERNAL',
    'An unexpected error occurred. Report the request id if it persists.',
    exposeStacks ? { stack: error.stack } : undefined,
  );
}
