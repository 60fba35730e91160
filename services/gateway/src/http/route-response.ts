/**
 * Passes a response built by a shared helper (such as the wait for a command's outcome) to a
 * typed OpenAPI route. Such helpers return a plain `Response` whose status and body depend on
 * the outcome, and @hono/zod-openapi 1.6 cannot match that against the declared responses. The
 * declared responses still document every outcome.
 */
export function asRouteResponse(response: Response): never {
  return response as never;
}
