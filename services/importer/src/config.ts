import { amountSchema, MAX_AMOUNT } from '@orderflow/contracts';
import { baseConfigShape, envInt } from '@orderflow/service-kit';
import { addressPolicyConfigShape } from '@orderflow/url-policy';
import { z } from 'zod';

/** Default of IMPORT_MAX_FILE_BYTES: 20 MB. */
export const DEFAULT_MAX_FILE_BYTES = 20 * 1024 * 1024;

/** Default of IMPORT_MAX_ROWS. */
export const DEFAULT_MAX_ROWS = 100_000;

/** Default of IMPORT_MAX_UNCOMPRESSED_BYTES: 300 MB of XML inside one workbook. */
export const DEFAULT_MAX_UNCOMPRESSED_BYTES = 300 * 1024 * 1024;

/** Default of IMPORT_MAX_CELL_CHARS. */
export const DEFAULT_MAX_CELL_CHARS = 4_096;

/** Default of IMPORT_PUBLISH_WINDOW: chunk publishes awaiting their ack at the same time. */
export const DEFAULT_PUBLISH_WINDOW = 8;

/** Environment variables of the importer, with units and defaults. */
export const configSchema = z.object({
  ...baseConfigShape,
  ...addressPolicyConfigShape,
  /** Largest uploaded file or JSON body in bytes; larger ones are rejected with PAYLOAD_TOO_LARGE. */
  IMPORT_MAX_FILE_BYTES: envInt(DEFAULT_MAX_FILE_BYTES, 1),
  /** Most data rows (or JSON items) one batch may hold; more are rejected with TOO_MANY_ROWS. */
  IMPORT_MAX_ROWS: envInt(DEFAULT_MAX_ROWS, 1, 1_000_000),
  /**
   * Largest total size in bytes of a workbook's parts once decompressed. Checked from the zip
   * central directory before reading, and again while inflating, so that a small file that
   * expands to gigabytes is rejected.
   */
  IMPORT_MAX_UNCOMPRESSED_BYTES: envInt(DEFAULT_MAX_UNCOMPRESSED_BYTES, 1),
  /** Maximum characters of one cell, for the link, the amount and every extra column. */
  IMPORT_MAX_CELL_CHARS: envInt(DEFAULT_MAX_CELL_CHARS, 16, 32_767),
  /** Largest amount of one item, as a decimal string with two decimals such as "5000.00". */
  IMPORT_MAX_AMOUNT: amountSchema.default(MAX_AMOUNT),
  /** Chunk publishes that may await their JetStream ack at the same time. */
  IMPORT_PUBLISH_WINDOW: envInt(DEFAULT_PUBLISH_WINDOW, 1, 1_024),
});

export type Config = z.infer<typeof configSchema>;
