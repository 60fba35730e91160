import { hostname } from 'node:os';
import { DEFAULT_MAX_CONCURRENT_ITEMS, MAX_BATCH_CONCURRENCY } from '@orderflow/contracts';
import { baseConfigShape, envInt } from '@orderflow/service-kit';
import { z } from 'zod';

/** Default of MAX_CONCURRENT_BATCH_ITEMS: items of one batch in a browser at once. */
export const DEFAULT_MAX_CONCURRENT_BATCH_ITEMS = 5;

/**
 * Default of MAX_CONCURRENT_PER_HOST. Four is half the global default of 8, so one order site
 * never takes the whole worker pool, and two batches for the same site still run side by side.
 */
export const DEFAULT_MAX_CONCURRENT_PER_HOST = 4;

/** Default of BATCH_TASK_RETRY_LIMIT: automatic retries, so at most four attempts. */
export const DEFAULT_RETRY_LIMIT = 3;

/** Default of BATCH_TASK_TIMEOUT in seconds. */
export const DEFAULT_TASK_TIMEOUT_SECONDS = 300;

/**
 * Environment variables of the scheduler. Keys are the variable names; units are in the names
 * or stated here.
 */
export const configSchema = z
  .object({
    ...baseConfigShape,
    /** Items of one batch in a browser at once; a batch may override it when it is created. */
    MAX_CONCURRENT_BATCH_ITEMS: envInt(
      DEFAULT_MAX_CONCURRENT_BATCH_ITEMS,
      1,
      MAX_BATCH_CONCURRENCY,
    ),
    /** Items for one target host name in a browser at once, across all batches. */
    MAX_CONCURRENT_PER_HOST: envInt(DEFAULT_MAX_CONCURRENT_PER_HOST, 1, 10_000),
    /** Items in a browser at once across all batches; also the work consumer's max_ack_pending. */
    MAX_CONCURRENT_ITEMS: envInt(DEFAULT_MAX_CONCURRENT_ITEMS, 1, 10_000),
    /** Automatic retries of a retryable failure, so at most limit + 1 attempts per item. */
    BATCH_TASK_RETRY_LIMIT: envInt(DEFAULT_RETRY_LIMIT, 0, 100),
    /** Seconds one attempt may take; the worker enforces it and the scheduler backstops it. */
    BATCH_TASK_TIMEOUT: envInt(DEFAULT_TASK_TIMEOUT_SECONDS, 1, 86_400),
    /** Milliseconds past BATCH_TASK_TIMEOUT before the scheduler declares an attempt timed out. */
    ATTEMPT_TIMEOUT_GRACE_MS: envInt(30_000, 0, 3_600_000),
    /** Milliseconds before the first automatic retry; each later retry doubles it. */
    RETRY_BASE_DELAY_MS: envInt(2_000, 0, 3_600_000),
    /** Upper bound in milliseconds of one retry delay. */
    RETRY_MAX_DELAY_MS: envInt(60_000, 0, 86_400_000),
    /** Milliseconds a scheduler lease is valid after its last renewal. */
    SCHEDULER_LEASE_TTL_MS: envInt(15_000, 100, 600_000),
    /** Milliseconds between lease renewals (holder) or take-over checks (standby). */
    SCHEDULER_LEASE_RENEW_MS: envInt(5_000, 50, 600_000),
    /** Milliseconds a command for a batch not yet seen in the event stream waits for it. */
    COMMAND_BATCH_WAIT_MS: envInt(5_000, 0, 600_000),
    /** Age in milliseconds after which a command for an unknown batch is rejected NOT_FOUND. */
    COMMAND_NOT_FOUND_AFTER_MS: envInt(60_000, 0, 86_400_000),
    /** Name of this replica in the lease; default host name and process id. */
    SCHEDULER_REPLICA_ID: z.string().min(1).max(200).default(`${hostname()}-${process.pid}`),
  })
  .refine((config) => config.SCHEDULER_LEASE_RENEW_MS < config.SCHEDULER_LEASE_TTL_MS, {
    path: ['SCHEDULER_LEASE_RENEW_MS'],
    message: 'must be less than SCHEDULER_LEASE_TTL_MS, or the lease expires between renewals',
  })
  .refine((config) => config.RETRY_BASE_DELAY_MS <= config.RETRY_MAX_DELAY_MS, {
    path: ['RETRY_BASE_DELAY_MS'],
    message: 'must be at most RETRY_MAX_DELAY_MS',
  });

export type Config = z.infer<typeof configSchema>;
