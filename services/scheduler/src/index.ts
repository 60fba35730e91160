export { retryDelayMs } from './backoff';
export { type CommandResult, decideCommand } from './commands';
export {
  type Config,
  configSchema,
  DEFAULT_MAX_CONCURRENT_BATCH_ITEMS,
  DEFAULT_MAX_CONCURRENT_PER_HOST,
  DEFAULT_RETRY_LIMIT,
  DEFAULT_TASK_TIMEOUT_SECONDS,
} from './config';
export { decide } from './decider';
export type { DeciderSettings, Decision, DecisionRound } from './decision';
export { LEASE_KEY } from './lease';
export { applyEvent } from './reducer';
export {
  deciderSettings,
  type SchedulerDeps,
  type SchedulerHandle,
  startScheduler,
} from './scheduler';
export { type BatchState, createState, type ItemState, type SchedulerState } from './state';
