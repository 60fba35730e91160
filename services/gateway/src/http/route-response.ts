/**
 * Passes a response built by a shared helper (such as the wait for a command's outcome) to a
 * typed OpenAPI route. The helpers return plain `Response` objects whose status and body depend
 * on the outcome, which @hono/zod-openapi 1.6 cannot match against the route's declared
 * responses; the declared responses still document what they can be.
 */
export function asRouteResponse(response: Response): never {
  return response as never;
}
