import type { Config } from '../config';
import type { Recipe } from './recipe';
import type { StepRecipe } from './recipe-schema';
import { compileStepRecipe } from './step-recipe';

/** Time the verification waits for the mark of a confirmed order. */
const CONFIRMED_MARK_TIMEOUT_MS = 3_000;

/**
 * Builds the recipe used when no other matches: open the link, check the amount, confirm, wait
 * for the order number, read it, and keep the page URL after redirects as the final order link.
 * Its verification opens the link again and looks for the mark of a confirmed order.
 */
export function defaultRecipeDefinition(config: Config): StepRecipe {
  const orderNumber = {
    action: 'extract',
    name: 'read order number',
    selector: config.DEFAULT_RECIPE_ORDER_NUMBER_SELECTOR,
    into: 'orderNumber',
    pattern: config.DEFAULT_RECIPE_ORDER_NUMBER_PATTERN,
    effect: false,
  } as const;
  return {
    name: 'default',
    steps: [
      { action: 'goto', name: 'open order', url: '{orderUrl}', effect: false },
      {
        action: 'checkAmount',
        name: 'check amount',
        selector: config.DEFAULT_RECIPE_AMOUNT_SELECTOR,
        effect: false,
      },
      {
        action: 'click',
        name: 'confirm order',
        selector: config.DEFAULT_RECIPE_CONFIRM_SELECTOR,
        effect: true,
      },
      {
        action: 'waitFor',
        name: 'wait for confirmation',
        selector: config.DEFAULT_RECIPE_ORDER_NUMBER_SELECTOR,
        effect: false,
      },
      orderNumber,
    ],
    verify: [
      { action: 'goto', name: 'open order', url: '{orderUrl}', effect: false },
      {
        action: 'waitFor',
        name: 'look for confirmed mark',
        selector: config.DEFAULT_RECIPE_CONFIRMED_SELECTOR,
        timeoutMs: CONFIRMED_MARK_TIMEOUT_MS,
        effect: false,
      },
      orderNumber,
    ],
  };
}

/** Builds the runnable default recipe from the configuration. */
export function defaultRecipe(config: Config): Recipe {
  return compileStepRecipe(defaultRecipeDefinition(config), 'built-in');
}
