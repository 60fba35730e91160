import type { ErrorCode } from '@orderflow/contracts';

/**
 * A failed attempt with its code from the contract's closed set. `step` names the recipe step,
 * and `details` carries facts such as expected and found amounts or the HTTP status.
 */
export class AttemptError extends Error {
  override name = 'AttemptError';

  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: Record<string, unknown> = {},
    options: { cause?: unknown; step?: string } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.step = options.step;
  }

  /** Recipe step that failed; set by the step runner when the step did not set it. */
  step: string | undefined;
}
