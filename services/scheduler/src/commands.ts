import {
  type BatchCommand,
  createEvent,
  deriveId,
  type ErrorCode,
  type EVENT_DATA,
  type EventType,
  type OrderflowEvent,
} from '@orderflow/contracts';
import type { z } from 'zod';
import type { BatchState, SchedulerState } from './state';

/** Outcome of a command, decided from the state. */
export type CommandResult =
  /** The stream already contains a response to this command id, so only acknowledge it. */
  | { kind: 'answered' }
  /** The batch is not in the state yet: wait for its `batch.created` or reject it later. */
  | { kind: 'unknown_batch' }
  /** Publish these events, all with `causationId` set to the command id. */
  | { kind: 'answer'; events: OrderflowEvent[] };

/**
 * Decides the response to a control or retry command: the transition events, or one
 * `batch.command_rejected` naming the current status. `defaultMaxConcurrency` is the per-batch
 * limit used when the batch does not override it.
 */
export function decideCommand(
  state: SchedulerState,
  command: BatchCommand,
  nowMs: number,
  defaultMaxConcurrency: number,
): CommandResult {
  if (state.answeredCommands.has(command.commandId)) return { kind: 'answered' };
  const batch = state.batches.get(command.batchId);
  if (!batch?.created) {
    if (batch?.rejected) return reject(command, nowMs, 'NOT_FOUND', 'its import was rejected');
    return { kind: 'unknown_batch' };
  }
  if (command.type === 'retry') return decideRetry(batch, command, nowMs);

  const status = describeStatus(batch);
  switch (command.action) {
    case 'start':
      if (batch.status !== 'pending' || batch.cancelling) return invalid(command, nowMs, status);
      return answer(command, nowMs, 'batch.started', {
        maxConcurrency: batch.maxConcurrency ?? defaultMaxConcurrency,
      });
    case 'cancel':
      if (!isActive(batch)) return invalid(command, nowMs, status);
      return answer(command, nowMs, 'batch.cancel_requested', {});
    case 'pause':
      if (batch.status !== 'processing' || batch.paused || batch.cancelling) {
        return invalid(command, nowMs, status);
      }
      return answer(command, nowMs, 'batch.paused', {});
    case 'resume':
      if (batch.status !== 'processing' || !batch.paused || batch.cancelling) {
        return invalid(command, nowMs, status);
      }
      return answer(command, nowMs, 'batch.resumed', {});
  }
}

/** Builds the rejection of a command for a batch that never appeared in the event stream. */
export function rejectUnknownBatch(command: BatchCommand, nowMs: number): CommandResult {
  return reject(command, nowMs, 'NOT_FOUND', 'no batch with this id exists');
}

function decideRetry(
  batch: BatchState,
  command: Extract<BatchCommand, { type: 'retry' }>,
  nowMs: number,
): CommandResult {
  const status = describeStatus(batch);
  if (batch.status === 'pending' || batch.cancelling) return invalid(command, nowMs, status);

  const failed = [...batch.items.values()]
    .filter((item) => item.status === 'failed')
    .sort((a, b) => a.index - b.index)
    .slice(0, command.limit);
  if (failed.length === 0) {
    return reject(command, nowMs, 'NOTHING_TO_RETRY', `it has no failed items (status ${status})`);
  }
  const requested = commandEvent(command, nowMs, 'batch.retry_requested', 'retry_requested', {
    limit: command.limit,
    requeuedCount: failed.length,
  });
  const requeued = failed.map((item) =>
    createEvent(
      'item.requeued',
      {
        source: 'scheduler',
        batchId: command.batchId,
        itemId: item.itemId,
        attempt: item.attempt,
        causationId: command.commandId,
        id: deriveId(command.commandId, `requeued:${item.itemId}`),
        time: new Date(nowMs),
      },
      { attemptsBefore: item.attempt },
    ),
  );
  return { kind: 'answer', events: [requested, ...requeued] };
}

/** Tells whether a cancel applies to the batch: not finished and not already cancelling. */
function isActive(batch: BatchState): boolean {
  return (batch.status === 'pending' || batch.status === 'processing') && !batch.cancelling;
}

/** Status as users see it, with the scheduler's own flags spelled out. */
function describeStatus(batch: BatchState): string {
  if (batch.cancelling) return `${batch.status}, cancel requested`;
  if (batch.paused) return `${batch.status}, paused`;
  return batch.status;
}

function invalid(command: BatchCommand, nowMs: number, status: string): CommandResult {
  const action = command.type === 'retry' ? 'retry' : command.action;
  return reject(
    command,
    nowMs,
    'INVALID_TRANSITION',
    `${action} does not apply to status ${status}`,
  );
}

function reject(
  command: BatchCommand,
  nowMs: number,
  code: ErrorCode,
  reason: string,
): CommandResult {
  const message = `batch ${command.batchId}: ${reason}`;
  return answer(command, nowMs, 'batch.command_rejected', {
    commandId: command.commandId,
    code,
    message,
  });
}

function answer<T extends EventType>(
  command: BatchCommand,
  nowMs: number,
  type: T,
  data: z.input<(typeof EVENT_DATA)[T]>,
): CommandResult {
  const event = commandEvent(command, nowMs, type, type, data) as OrderflowEvent;
  return { kind: 'answer', events: [event] };
}

function commandEvent<T extends EventType>(
  command: BatchCommand,
  nowMs: number,
  type: T,
  idName: string,
  data: z.input<(typeof EVENT_DATA)[T]>,
): OrderflowEvent<T> {
  return createEvent(
    type,
    {
      source: 'scheduler',
      batchId: command.batchId,
      causationId: command.commandId,
      id: deriveId(command.commandId, idName),
      time: new Date(nowMs),
    },
    data,
  );
}
