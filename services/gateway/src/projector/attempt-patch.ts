import type { OrderflowEvent } from '@orderflow/contracts';

/** Changes to one attempt row, merged from the events of one projected batch. */
export interface AttemptPatch {
  item_id: string;
  attempt: number;
  batch_id: string;
  worker_id?: string;
  recipe?: string;
  effect_step?: string;
  verify_first?: boolean;
  dispatched_at?: string;
  started_at?: string;
  outcome?: string;
  error_code?: string | null;
  message?: string | null;
  retryable?: boolean | null;
  step?: string | null;
  details?: Record<string, unknown> | null;
  order_number?: string | null;
  final_order_url?: string | null;
  timings?: Record<string, unknown> | null;
  artifacts?: Record<string, string> | null;
  finished_at?: string;
  /** Stream sequence of the outcome event; 0 when the patch sets no outcome. */
  outcome_seq: number;
}

type OutcomeFields = Pick<
  AttemptPatch,
  | 'outcome'
  | 'error_code'
  | 'message'
  | 'retryable'
  | 'step'
  | 'details'
  | 'order_number'
  | 'final_order_url'
  | 'timings'
  | 'artifacts'
  | 'finished_at'
>;

/** Returns the attempt number an event is about, or undefined when it is no attempt event. */
export function attemptOf(event: OrderflowEvent): number | undefined {
  switch (event.type) {
    case 'item.dispatched':
    case 'item.attempt_started':
    case 'item.effect_started':
    case 'item.attempt_succeeded':
    case 'item.attempt_failed':
    case 'item.attempt_timed_out':
      return event.data.attempt;
    default:
      return undefined;
  }
}

/** Merges one attempt event into a patch; events must arrive in stream order. */
export function mergeAttemptEvent(patch: AttemptPatch, event: OrderflowEvent, seq: number): void {
  switch (event.type) {
    case 'item.dispatched':
      patch.dispatched_at = event.time;
      patch.verify_first = event.data.verifyFirst;
      break;
    case 'item.attempt_started':
      patch.started_at = event.time;
      patch.worker_id = event.data.workerId;
      patch.recipe = event.data.recipe;
      break;
    case 'item.effect_started':
      patch.effect_step = event.data.step;
      break;
    default: {
      const outcome = outcomeOf(event);
      if (outcome) Object.assign(patch, outcome, { outcome_seq: seq, finished_at: event.time });
    }
  }
}

function outcomeOf(event: OrderflowEvent): OutcomeFields | undefined {
  const empty = { error_code: null, message: null, retryable: null, step: null, details: null };
  switch (event.type) {
    case 'item.attempt_succeeded':
      return {
        ...empty,
        outcome: 'succeeded',
        order_number: event.data.orderNumber,
        final_order_url: event.data.finalOrderUrl,
        timings: event.data.timings,
        artifacts: artifactNames(event.data.artifacts),
      };
    case 'item.attempt_failed':
      return {
        outcome: 'failed',
        error_code: event.data.code,
        message: event.data.message,
        retryable: event.data.retryable,
        step: event.data.step ?? null,
        details: event.data.details ?? null,
        order_number: null,
        final_order_url: null,
        timings: event.data.timings ?? null,
        artifacts: artifactNames(event.data.artifacts),
      };
    case 'item.attempt_timed_out':
      return {
        ...empty,
        outcome: 'timed_out',
        error_code: 'ATTEMPT_TIMED_OUT',
        message: `the attempt had no outcome within ${event.data.timeoutMs} ms`,
        retryable: true,
        order_number: null,
        final_order_url: null,
        timings: null,
        artifacts: null,
      };
    default:
      return undefined;
  }
}

function artifactNames(
  artifacts: OrderflowEvent<'item.attempt_failed'>['data']['artifacts'],
): Record<string, string> | null {
  if (!artifacts) return null;
  const names: Record<string, string> = { bucket: artifacts.bucket };
  if (artifacts.screenshot) names.screenshot = artifacts.screenshot;
  if (artifacts.html) names.html = artifacts.html;
  if (artifacts.log) names.log = artifacts.log;
  return names;
}
