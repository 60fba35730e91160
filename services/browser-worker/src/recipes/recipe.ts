import type { WorkMessage } from '@orderflow/contracts';
import type { Page } from 'playwright-core';
import type { RecipeMatch } from './recipe-schema';

/** Result of a recipe run. Without `finalOrderUrl`, the page URL is the final order link. */
export interface RecipeResult {
  orderNumber: string;
  finalOrderUrl?: string;
}

/** The page and helpers a recipe works with during one attempt. */
export interface RecipeSession {
  page: Page;
  work: WorkMessage;
  /** Result fields extracted so far; `orderNumber` among them once read. */
  fields: Record<string, string>;
  /**
   * Announces the next step. With `effect: true` it first publishes `item.effect_started` and
   * waits for JetStream to store it, so a lost attempt is never retried blindly.
   */
  beginStep(name: string, options?: { effect?: boolean }): Promise<void>;
  /** Milliseconds a step may wait: its own `timeoutMs`, else STEP_TIMEOUT_MS. */
  stepTimeoutMs(ownTimeoutMs?: number): number;
  /** Stores a screenshot of the current page as an attempt artifact. */
  screenshot(name: string): Promise<void>;
}

/**
 * A recipe as the worker runs it. Declarative files are compiled into this shape; TypeScript
 * recipes implement it directly for flows that steps cannot express.
 */
export interface Recipe {
  name: string;
  /** Links the recipe applies to; the default recipe has none. */
  match?: RecipeMatch;
  /** File the recipe came from, or `built-in`. */
  source: string;
  /**
   * Set to false by a TypeScript recipe that never touches the page, such as one that calls a
   * site's API. The attempt then opens no browser context, and any use of `session.page`
   * fails the attempt with RECIPE_FAILED.
   */
  browser?: boolean;
  run(session: RecipeSession): Promise<RecipeResult>;
  /**
   * Checks on the remote site whether the order already went through. Returns the result when
   * it did and undefined when it did not; throws an AttemptError when the check itself failed.
   */
  verify?(session: RecipeSession): Promise<RecipeResult | undefined>;
}
