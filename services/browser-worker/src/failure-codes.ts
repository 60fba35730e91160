import { type ErrorCode, isRetryable } from '@orderflow/contracts';
import { errors } from 'playwright-core';
import { AttemptError } from './attempt-error';
import type { DocumentResponse } from './page-log';

/** Reason a running attempt was stopped from outside its recipe. */
export type InterruptReason =
  | 'deadline'
  | 'scheduler_timeout'
  | 'cancelled'
  | 'shutdown'
  | 'crashed'
  | 'blocked';

/** Error code reported for each interrupt reason when no effect step had begun. */
export const INTERRUPT_CODES: Record<InterruptReason, ErrorCode> = {
  deadline: 'ATTEMPT_TIMED_OUT',
  scheduler_timeout: 'ATTEMPT_TIMED_OUT',
  cancelled: 'ATTEMPT_CANCELLED',
  shutdown: 'WORKER_SHUTDOWN',
  crashed: 'BROWSER_CRASHED',
  blocked: 'BLOCKED_ADDRESS',
};

/** A request the address proxy rejected. */
export interface BlockedRequest {
  url: string;
  address: string | undefined;
  message: string;
}

/** Facts about the page that can explain a failure better than the step's own error. */
export interface FailureContext {
  blocked: BlockedRequest | undefined;
  lastDocument: DocumentResponse | undefined;
  browserConnected: boolean;
}

/** Codes that only mean "an element was missing", which an HTTP error page explains better. */
const MISSING_ELEMENT_CODES = new Set<ErrorCode>(['ELEMENT_NOT_FOUND', 'ORDER_NUMBER_NOT_FOUND']);

/**
 * Turns whatever a recipe threw into an AttemptError with the most specific code: a blocked
 * address first, then a lost browser, then an HTTP error page that explains a missing element.
 */
export function classifyFailure(error: unknown, context: FailureContext, step: string | undefined) {
  const { blocked, lastDocument } = context;
  if (blocked) {
    return new AttemptError(
      'BLOCKED_ADDRESS',
      `blocked ${blocked.url}: ${blocked.message}`,
      { blockedUrl: blocked.url, blockedAddress: blocked.address ?? null },
      { cause: error, step },
    );
  }
  if (!context.browserConnected) {
    return new AttemptError(
      'BROWSER_CRASHED',
      'Chromium crashed or disconnected during the attempt',
      {},
      {
        cause: error,
        step,
      },
    );
  }
  if (error instanceof errors.TimeoutError) {
    return new AttemptError(
      'ELEMENT_NOT_FOUND',
      `step ${step ?? 'unknown'} timed out`,
      {},
      {
        cause: error,
        step,
      },
    );
  }
  if (!(error instanceof AttemptError)) {
    const reason = String((error as Error)?.message ?? error).split('\n')[0];
    return new AttemptError(
      'RECIPE_FAILED',
      `step ${step ?? 'unknown'} failed: ${reason}`,
      {},
      {
        cause: error,
        step,
      },
    );
  }
  const status = lastDocument?.status ?? 0;
  if (MISSING_ELEMENT_CODES.has(error.code) && status >= 400) {
    const code = status >= 500 ? 'PAGE_SERVER_ERROR' : 'PAGE_CLIENT_ERROR';
    return new AttemptError(
      code,
      `the order site returned HTTP ${status} for ${lastDocument?.url}`,
      { httpStatus: status, url: lastDocument?.url, missing: error.details },
      { cause: error, step: error.step ?? step },
    );
  }
  error.step ??= step;
  return error;
}

/** Tells whether a failure after an effect step needs the never-pay-twice handling. */
export function mayRetryAfterEffect(code: ErrorCode): boolean {
  return isRetryable(code);
}

/** Facts an interrupt message names. */
export interface InterruptFacts {
  step: string | undefined;
  timeoutMs: number;
  blocked: BlockedRequest | undefined;
}

/** Builds the failure of an attempt stopped from outside, naming the step it was at. */
export function interruptError(reason: InterruptReason, facts: InterruptFacts): AttemptError {
  const { step, blocked } = facts;
  const messages: Record<InterruptReason, string> = {
    deadline: `the attempt did not finish within ${facts.timeoutMs} ms; it hung at step ${step ?? 'start'}`,
    scheduler_timeout: `the scheduler gave up on the attempt at step ${step ?? 'start'}`,
    cancelled: 'the batch was cancelled during the attempt',
    shutdown: 'the worker shut down during the attempt and handed it back',
    crashed: 'Chromium crashed or disconnected during the attempt',
    blocked: `blocked ${blocked?.url}: ${blocked?.message}`,
  };
  const details: Record<string, unknown> = {};
  if (reason === 'deadline' || reason === 'scheduler_timeout') details.timeoutMs = facts.timeoutMs;
  if (reason === 'blocked') {
    details.blockedUrl = blocked?.url;
    details.blockedAddress = blocked?.address ?? null;
  }
  return new AttemptError(INTERRUPT_CODES[reason], messages[reason], details, { step });
}
