import type { EventSource, EventType } from './events';

/** The publisher and meaning of each event type, for the generated event reference. */
export const EVENT_CATALOG: Record<EventType, { source: EventSource; meaning: string }> = {
  'batch.items_added': {
    source: 'importer',
    meaning:
      'A chunk of accepted items. Chunks come before `batch.created`; a batch without that event is not visible.',
  },
  'batch.created': {
    source: 'importer',
    meaning: 'The import finished and the batch exists, with all its items, as `pending`.',
  },
  'batch.import_rejected': {
    source: 'importer',
    meaning:
      'The import was rejected; no batch exists. Carries the first row errors and their count.',
  },
  'batch.started': { source: 'scheduler', meaning: 'The batch began dispatching items.' },
  'batch.paused': { source: 'scheduler', meaning: 'No new attempts start; running ones finish.' },
  'batch.resumed': { source: 'scheduler', meaning: 'Dispatching continues after a pause.' },
  'batch.cancel_requested': {
    source: 'scheduler',
    meaning: 'Cancel accepted: pending items are skipped and workers stop running attempts.',
  },
  'batch.retry_requested': {
    source: 'scheduler',
    meaning: 'Failed items were put back to work; each also gets `item.requeued`.',
  },
  'batch.finished': {
    source: 'scheduler',
    meaning:
      'Every item is terminal: `completed` with at least one success, `failed` with none, or `cancelled`.',
  },
  'batch.command_rejected': {
    source: 'scheduler',
    meaning: 'A control or retry command did not apply; `causationId` is the command id.',
  },
  'item.dispatched': {
    source: 'scheduler',
    meaning: 'An attempt was handed to the browser workers.',
  },
  'item.attempt_started': {
    source: 'browser-worker',
    meaning: 'A worker began the attempt in a fresh browser context.',
  },
  'item.effect_started': {
    source: 'browser-worker',
    meaning:
      'The attempt is about to run a step that changes the remote site (confirm, pay); retries after this need verification.',
  },
  'item.attempt_succeeded': {
    source: 'browser-worker',
    meaning: 'The attempt finished with an order number.',
  },
  'item.attempt_failed': {
    source: 'browser-worker',
    meaning:
      'The attempt failed with an error code; `retryable` follows the code. The scheduler also publishes it for work messages that reached the delivery limit.',
  },
  'item.attempt_timed_out': {
    source: 'scheduler',
    meaning:
      'No outcome arrived within BATCH_TASK_TIMEOUT plus the grace period; a late result is ignored.',
  },
  'item.retry_scheduled': {
    source: 'scheduler',
    meaning: 'The item will be tried again at `notBefore`.',
  },
  'item.succeeded': { source: 'scheduler', meaning: 'The item is done: status `success`.' },
  'item.failed': { source: 'scheduler', meaning: 'The item failed for good: status `failed`.' },
  'item.skipped': {
    source: 'scheduler',
    meaning: 'The item will not run, for example after a cancel.',
  },
  'item.requeued': {
    source: 'scheduler',
    meaning: 'A failed item is `pending` again with a fresh retry budget; its history is kept.',
  },
  'item.updated_by_hand': {
    source: 'gateway',
    meaning: 'A person set the item result through `PUT /items/{item_id}`.',
  },
};
