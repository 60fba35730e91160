import type { MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { ApiError } from './api-error';
import type { AppEnv } from './context';

const JSON_CONTENT_TYPE = /^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i;

/** Rejects a body over `maxBytes` with 413, counting streamed bytes as well as Content-Length. */
export function limitBody(maxBytes: number): MiddlewareHandler<AppEnv> {
  return bodyLimit({
    maxSize: maxBytes,
    onError: () => {
      throw new ApiError(
        'PAYLOAD_TOO_LARGE',
        `The request body is larger than the limit of ${maxBytes} bytes.`,
        { max_bytes: maxBytes },
      );
    },
  });
}

/**
 * Requires a JSON body: 415 for another content type, 400 when it does not parse. The text is
 * cached by Hono, so the route's schema validation that follows reads it without a second
 * network read.
 */
export function requireJsonBody(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const contentType = c.req.header('content-type') ?? '';
    if (!JSON_CONTENT_TYPE.test(contentType)) {
      throw new ApiError(
        'UNSUPPORTED_MEDIA_TYPE',
        `Send the body as application/json (got ${contentType || 'no content type'}).`,
      );
    }
    const text = await c.req.text();
    try {
      JSON.parse(text);
    } catch (error) {
      throw new ApiError(
        'MALFORMED_JSON',
        `The body is not valid JSON: ${(error as Error).message}`,
      );
    }
    return next();
  };
}
