import { baseConfigShape, envBool, envInt, envList } from '@orderflow/service-kit';
import { z } from 'zod';

const MEBIBYTE = 1024 * 1024;

/** Environment variables of the gateway, by name, with their units and defaults. */
export const configSchema = z.object({
  ...baseConfigShape,
  /** Port of the REST interface, which also serves `/healthz`, `/readyz` and `/metrics`. */
  PORT: envInt(8000, 0, 65_535),
  /** Address to bind; default all interfaces. */
  HOST: z.string().default('0.0.0.0'),
  /** Postgres URL of the read model. */
  DATABASE_URL: z.string({ error: 'is required: set the Postgres URL of the read model' }).min(1),
  /** Maximum connections of the Postgres pool. */
  DATABASE_POOL_SIZE: envInt(10, 1, 200),
  /** Bearer tokens, separated by commas, each either `token` or `label:token`. */
  API_TOKENS: envList(),
  /** File that receives a generated token when API_TOKENS is empty and auth is on. */
  API_TOKEN_FILE: z.string().default('.data/api-token'),
  /** Turns bearer-token authentication off; the gateway logs a warning at start-up. */
  AUTH_DISABLED: envBool(false),
  /** Maximum size of an uploaded file, in bytes. */
  MAX_UPLOAD_BYTES: envInt(20 * MEBIBYTE, 1),
  /** Maximum size of a JSON request body, in bytes. */
  MAX_JSON_BODY_BYTES: envInt(20 * MEBIBYTE, 1),
  /** Milliseconds a create request waits for the importer before it returns 202. */
  IMPORT_WAIT_MS: envInt(10_000, 0),
  /** Milliseconds a control or retry request waits for the scheduler before it returns 202. */
  COMMAND_WAIT_MS: envInt(10_000, 0),
  /** Milliseconds a hand update of an item waits for its projection before it returns 202. */
  PROJECTION_WAIT_MS: envInt(10_000, 0),
  /** Milliseconds a publish to JetStream may take before the request fails with 503. */
  NATS_REQUEST_TIMEOUT_MS: envInt(5_000, 100),
  /** Events the projector fetches and applies in one transaction. */
  PROJECTOR_BATCH_SIZE: envInt(1_000, 1, 5_000),
  /** Items shown in the first page of a batch detail. */
  DETAIL_PAGE_SIZE: envInt(100, 1, 1_000),
  /** Projection lag, in events, above which `/readyz` reports not ready; 0 never does. */
  READY_MAX_LAG_EVENTS: envInt(0, 0),
  /**
   * Refuses to start a batch whose order links other batches did or are doing (409
   * REPEATED_ORDERS) unless the request allows it. False turns the check off for every client.
   */
  REJECT_REPEATED_ORDERS: envBool(true),
  /** Shows error stacks in 500 responses; only for development. */
  EXPOSE_ERROR_STACKS: envBool(false),
});

/** Parsed gateway configuration. */
export type Config = z.infer<typeof configSchema>;
