import { AttemptError } from '../attempt-error';
import type { Recipe, RecipeResult, RecipeSession } from './recipe';
import type { StepRecipe } from './recipe-schema';
import { runSteps } from './run-steps';

/** Failures of verify steps that mean "the order is not confirmed" rather than "check failed". */
const NOT_CONFIRMED_CODES = new Set([
  'ELEMENT_NOT_FOUND',
  'ORDER_NUMBER_NOT_FOUND',
  'RECIPE_FAILED',
]);

function result(session: RecipeSession): RecipeResult {
  const orderNumber = session.fields.orderNumber;
  if (!orderNumber) {
    throw new AttemptError('ORDER_NUMBER_NOT_FOUND', 'the recipe finished without an order number');
  }
  return { orderNumber, finalOrderUrl: session.fields.finalOrderUrl ?? session.page.url() };
}

/** Turns a validated recipe file into a runnable recipe. */
export function compileStepRecipe(definition: StepRecipe, source: string): Recipe {
  const verifySteps = definition.verify;
  return {
    name: definition.name,
    source,
    ...(definition.match ? { match: definition.match } : {}),
    async run(session) {
      await runSteps(session, definition.steps, 'steps');
      return result(session);
    },
    ...(verifySteps
      ? {
          async verify(session: RecipeSession) {
            try {
              await runSteps(session, verifySteps, 'verify');
            } catch (error) {
              if (error instanceof AttemptError && NOT_CONFIRMED_CODES.has(error.code)) {
                return undefined;
              }
              throw error;
            }
            return result(session);
          },
        }
      : {}),
  };
}
