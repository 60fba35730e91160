import { z } from 'zod';

/** Meaning of one error code: the HTTP status it maps to and whether a retry may help. */
export interface ErrorCodeSpec {
  httpStatus: number;
  retryable: boolean;
  description: string;
}

/**
 * The closed set of error codes shared by HTTP responses, command rejections and item
 * failures. `retryable` is the only source of retry meaning: no code decides on message text.
 */
export const ERROR_CODES = {
  BAD_REQUEST: { httpStatus: 400, retryable: false, description: 'The request is malformed.' },
  MALFORMED_JSON: { httpStatus: 400, retryable: false, description: 'The body is not valid JSON.' },
  UNAUTHORIZED: {
    httpStatus: 401,
    retryable: false,
    description: 'A valid bearer token is required.',
  },
  NOT_FOUND: { httpStatus: 404, retryable: false, description: 'No such batch, item or file.' },
  INVALID_TRANSITION: {
    httpStatus: 409,
    retryable: false,
    description: 'The action does not apply to the current status.',
  },
  NOTHING_TO_RETRY: {
    httpStatus: 409,
    retryable: false,
    description: 'The batch has no failed items to retry.',
  },
  REPEATED_ORDERS: {
    httpStatus: 409,
    retryable: false,
    description: 'Order links of the batch are done or in progress in another batch.',
  },
  IDEMPOTENCY_CONFLICT: {
    httpStatus: 409,
    retryable: false,
    description: 'The Idempotency-Key was used before with a different request.',
  },
  PAYLOAD_TOO_LARGE: {
    httpStatus: 413,
    retryable: false,
    description: 'The body or file exceeds the size limit.',
  },
  UNSUPPORTED_MEDIA_TYPE: {
    httpStatus: 415,
    retryable: false,
    description: 'The content type is not accepted here.',
  },
  VALIDATION_FAILED: {
    httpStatus: 422,
    retryable: false,
    description: 'A field of the request is invalid.',
  },
  UNSUPPORTED_FILE_FORMAT: {
    httpStatus: 422,
    retryable: false,
    description: 'The file is not an .xlsx, .xlsm or CSV file.',
  },
  IMPORT_REJECTED: {
    httpStatus: 422,
    retryable: false,
    description: 'Rows of the import are invalid; see the row errors.',
  },
  TOO_MANY_ROWS: {
    httpStatus: 422,
    retryable: false,
    description: 'The import has more rows than a batch may hold.',
  },
  READ_MODEL_UNAVAILABLE: {
    httpStatus: 503,
    retryable: true,
    description: 'Postgres cannot be reached; try again shortly.',
  },
  MESSAGING_UNAVAILABLE: {
    httpStatus: 503,
    retryable: true,
    description: 'NATS cannot be reached; try again shortly.',
  },
  INTERNAL: { httpStatus: 500, retryable: true, description: 'An unexpected error occurred.' },

  NAVIGATION_FAILED: {
    httpStatus: 502,
    retryable: true,
    description: 'The order page could not be loaded (DNS, connection or TLS failure).',
  },
  PAGE_SERVER_ERROR: {
    httpStatus: 502,
    retryable: true,
    description: 'The order site returned an HTTP 5xx status.',
  },
  PAGE_CLIENT_ERROR: {
    httpStatus: 502,
    retryable: false,
    description: 'The order site returned an HTTP 4xx status, such as 404 for a missing order.',
  },
  ATTEMPT_TIMED_OUT: {
    httpStatus: 504,
    retryable: true,
    description: 'The attempt did not finish within BATCH_TASK_TIMEOUT.',
  },
  ELEMENT_NOT_FOUND: {
    httpStatus: 502,
    retryable: true,
    description: 'An element the recipe waits for did not appear.',
  },
  AMOUNT_MISMATCH: {
    httpStatus: 422,
    retryable: false,
    description: 'The amount shown on the order page differs from the item amount.',
  },
  ORDER_NUMBER_NOT_FOUND: {
    httpStatus: 502,
    retryable: false,
    description: 'The confirmation page shows no order number.',
  },
  BLOCKED_ADDRESS: {
    httpStatus: 422,
    retryable: false,
    description: 'The link or a redirect points at an address the policy blocks.',
  },
  UNSAFE_TO_RETRY: {
    httpStatus: 409,
    retryable: false,
    description: 'An attempt stopped after a step that changes the site; check the order by hand.',
  },
  BROWSER_CRASHED: {
    httpStatus: 502,
    retryable: true,
    description: 'Chromium crashed or disconnected during the attempt.',
  },
  WORKER_LOST: {
    httpStatus: 502,
    retryable: true,
    description: 'The worker running the attempt stopped without reporting an outcome.',
  },
  WORKER_SHUTDOWN: {
    httpStatus: 503,
    retryable: true,
    description: 'The worker shut down during the attempt and handed it back.',
  },
  DELIVERY_LIMIT_REACHED: {
    httpStatus: 502,
    retryable: false,
    description: 'The work message reached the delivery limit of the work consumer.',
  },
  ATTEMPT_CANCELLED: {
    httpStatus: 409,
    retryable: false,
    description: 'The batch was cancelled during the attempt.',
  },
  RECIPE_FAILED: {
    httpStatus: 502,
    retryable: false,
    description: 'A recipe step failed in a way no retry can fix.',
  },
} as const satisfies Record<string, ErrorCodeSpec>;

export type ErrorCode = keyof typeof ERROR_CODES;

export const errorCodeSchema = z.enum(Object.keys(ERROR_CODES) as [ErrorCode, ...ErrorCode[]]);

/** Tells whether a failure with this code may succeed when tried again. */
export function isRetryable(code: ErrorCode): boolean {
  return ERROR_CODES[code].retryable;
}

/** Returns the HTTP status that the gateway responds with for this code. */
export function httpStatusOf(code: ErrorCode): number {
  return ERROR_CODES[code].httpStatus;
}

/** The one error body shape of every HTTP response and command rejection. */
export const errorBodySchema = z.object({
  error: z.object({
    code: errorCodeSchema,
    message: z.string(),
    details: z.unknown().optional(),
    request_id: z.string().optional(),
  }),
});

export type ErrorBody = z.infer<typeof errorBodySchema>;
