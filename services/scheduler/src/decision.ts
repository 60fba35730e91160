import {
  createEvent,
  deriveId,
  type EVENT_DATA,
  type EventType,
  type OrderflowEvent,
  type WorkMessage,
} from '@orderflow/contracts';
import type { z } from 'zod';
import type { BackoffSettings } from './backoff';

/** Limits and timings the decider applies. */
export interface DeciderSettings {
  /** Default per-batch limit; `batch.created` may override it. */
  maxBatchItems: number;
  maxPerHost: number;
  maxGlobal: number;
  /** Automatic retries of a retryable failure. */
  retryLimit: number;
  /** Deadline of one attempt, also sent to the worker. */
  attemptTimeoutMs: number;
  /** Extra time before the scheduler declares a started attempt timed out. */
  timeoutGraceMs: number;
  backoff: BackoffSettings;
}

/** One decision: an event to publish, with the side effects that belong to it. */
export interface Decision {
  event: OrderflowEvent;
  /** Work message to publish once the event is stored. */
  work?: WorkMessage;
  /** Queued work message to delete before the event is published. */
  withdraw?: { batchId: string; itemId: string; attempt: number };
}

/** Result of one decision round. */
export interface DecisionRound {
  decisions: Decision[];
  /** Earliest time at which waiting alone makes a new decision due (retry or timeout). */
  nextWakeAtMs?: number;
}

/** Builds a scheduler event whose id is derived from what it decides. */
export function decisionEvent<T extends EventType>(
  type: T,
  scope: { batchId: string; itemId?: string; attempt?: number },
  idName: string,
  nowMs: number,
  data: z.input<(typeof EVENT_DATA)[T]>,
): OrderflowEvent<T> {
  return createEvent(
    type,
    {
      source: 'scheduler',
      batchId: scope.batchId,
      ...(scope.itemId ? { itemId: scope.itemId } : {}),
      ...(scope.attempt !== undefined ? { attempt: scope.attempt } : {}),
      id: deriveId(scope.itemId ?? scope.batchId, idName),
      time: new Date(nowMs),
    },
    data,
  );
}
