import { baseConfigShape, envBool, envInt } from '@orderflow/service-kit';
import { addressPolicyConfigShape } from '@orderflow/url-policy';
import { z } from 'zod';

const optionalText = z.string().min(1).optional();

/** Environment variables of the browser worker. Durations are in milliseconds. */
export const configSchema = z.object({
  ...baseConfigShape,
  ...addressPolicyConfigShape,
  /**
   * Attempts run at once in this process. Chromium throughput falls past 2 concurrent items per
   * 2 cores, so scale with replicas rather than with this value.
   */
  WORKER_CONCURRENCY: envInt(2, 1, 64),
  /** Name in `item.attempt_started` events; default `<hostname>-<pid>`. */
  WORKER_ID: optionalText,
  /** Chromium binary; default a Playwright-installed build, else `/usr/bin/chromium`. */
  CHROMIUM_PATH: optionalText,
  /** Maps every host name except 127.0.0.1 to "not found" inside Chromium, for tests and demos. */
  CHROMIUM_CONFINE: envBool(false),
  /** Browser contexts one Chromium serves before the worker replaces it. */
  BROWSER_MAX_CONTEXTS: envInt(200, 1),
  /** Time allowed for closing a page, a context or the browser before it is abandoned. */
  BROWSER_CLOSE_TIMEOUT_MS: envInt(5_000, 100),
  /** Folder of recipe files (`.json`, `.yaml`, `.yml`, `.ts`, `.mjs`); none when unset. */
  RECIPES_DIR: optionalText,
  /** Time a recipe step may wait for an element, text or URL unless the step sets its own. */
  STEP_TIMEOUT_MS: envInt(15_000, 100),
  /** Budget of a verification run after an interrupted effect step. */
  VERIFY_TIMEOUT_MS: envInt(15_000, 100),
  /** Selectors and pattern of the default recipe. */
  DEFAULT_RECIPE_AMOUNT_SELECTOR: z.string().default('#order-amount'),
  DEFAULT_RECIPE_CONFIRM_SELECTOR: z.string().default('#confirm-button'),
  DEFAULT_RECIPE_ORDER_NUMBER_SELECTOR: z.string().default('#order-number'),
  /** Regular expression for the order number; its first group, else the whole match, is kept. */
  DEFAULT_RECIPE_ORDER_NUMBER_PATTERN: z.string().default('([A-Za-z0-9][A-Za-z0-9-]{2,})'),
  /** Element present only on the page of an order that is already confirmed. */
  DEFAULT_RECIPE_CONFIRMED_SELECTOR: z.string().default('[data-order-status="confirmed"]'),
  /** Size caps of failure artifacts. */
  ARTIFACT_MAX_SCREENSHOT_BYTES: envInt(2 * 1024 * 1024, 1_024),
  ARTIFACT_MAX_HTML_BYTES: envInt(1024 * 1024, 1_024),
  /** Console errors and failed requests kept in the attempt log, each. */
  ARTIFACT_MAX_LOG_ENTRIES: envInt(50, 1, 1_000),
  /** Also store a screenshot of the final page of successful attempts. */
  ARTIFACT_SCREENSHOT_ON_SUCCESS: envBool(false),
  /** Time running attempts may take to finish after SIGTERM before they are stopped. */
  SHUTDOWN_GRACE_MS: envInt(20_000, 0),
});

export type Config = z.infer<typeof configSchema>;
