import { z } from 'zod';

const regexSource = z.string().refine(
  (source) => {
    try {
      new RegExp(source);
      return true;
    } catch {
      return false;
    }
  },
  { message: 'must be a valid regular expression' },
);

/** Fields every step may carry. */
const stepBase = {
  /** Name shown in events and logs; default the action and index. */
  name: z.string().min(1).max(100).optional(),
  /** Marks a step that changes the remote site, such as confirming or paying. */
  effect: z.boolean().default(false),
  /** Time the step may wait, in milliseconds; default STEP_TIMEOUT_MS. */
  timeoutMs: z.number().int().positive().optional(),
  /** CSS selector of an iframe whose document the step works in. */
  frame: z.string().min(1).optional(),
};

const gotoStep = z.strictObject({
  action: z.literal('goto'),
  /** Template; default the order link. */
  url: z.string().default('{orderUrl}'),
  ...stepBase,
});

const waitForStep = z
  .strictObject({
    action: z.literal('waitFor'),
    selector: z.string().min(1).optional(),
    text: z.string().min(1).optional(),
    /** Glob such as `**\/confirmation` that the page URL must match. */
    url: z.string().min(1).optional(),
    ...stepBase,
  })
  .refine((step) => [step.selector, step.text, step.url].filter(Boolean).length === 1, {
    message: 'waitFor needs exactly one of selector, text or url',
  });

const clickStep = z.strictObject({
  action: z.literal('click'),
  selector: z.string().min(1),
  ...stepBase,
});

const fillStep = z.strictObject({
  action: z.literal('fill'),
  selector: z.string().min(1),
  /** Template, such as `{amount}`. */
  value: z.string(),
  ...stepBase,
});

const selectStep = z.strictObject({
  action: z.literal('select'),
  selector: z.string().min(1),
  /** Option value or label to select; a template. */
  value: z.string(),
  ...stepBase,
});

const expectTextStep = z
  .strictObject({
    action: z.literal('expectText'),
    selector: z.string().min(1).default('body'),
    /** Text the element must contain. */
    text: z.string().min(1).optional(),
    /** Regular expression the element's text must match. */
    pattern: regexSource.optional(),
    ...stepBase,
  })
  .refine((step) => (step.text === undefined) !== (step.pattern === undefined), {
    message: 'expectText needs exactly one of text or pattern',
  });

const extractStep = z.strictObject({
  action: z.literal('extract'),
  selector: z.string().min(1),
  /** Result field; `orderNumber` is the order number of a successful attempt. */
  into: z
    .string()
    .regex(/^[A-Za-z][A-Za-z0-9_]{0,63}$/, 'must be a field name such as orderNumber'),
  /** Regular expression; the first group, else the whole match, becomes the value. */
  pattern: regexSource.optional(),
  /** Attribute to read in place of the element's text. */
  attribute: z.string().min(1).optional(),
  ...stepBase,
});

const checkAmountStep = z.strictObject({
  action: z.literal('checkAmount'),
  /** Element showing the amount, such as `$1,234.50` or `1.234,50 €`. */
  selector: z.string().min(1),
  ...stepBase,
});

const screenshotStep = z.strictObject({
  action: z.literal('screenshot'),
  ...stepBase,
});

/** One declarative recipe step, discriminated by `action`. */
export const stepSchema = z.discriminatedUnion('action', [
  gotoStep,
  waitForStep,
  clickStep,
  fillStep,
  selectStep,
  expectTextStep,
  extractStep,
  checkAmountStep,
  screenshotStep,
]);

export type Step = z.infer<typeof stepSchema>;

/** Links a recipe applies to: host globs (`*.shop.example`) and optional path globs. */
export const recipeMatchSchema = z.strictObject({
  hosts: z.array(z.string().min(1)).min(1),
  paths: z.array(z.string().min(1)).optional(),
});

export type RecipeMatch = z.infer<typeof recipeMatchSchema>;

/** A declarative recipe file (JSON or YAML). */
export const stepRecipeSchema = z
  .strictObject({
    name: z.string().min(1).max(100),
    /** Omitted only in the recipe used when no other matches. */
    match: recipeMatchSchema.optional(),
    steps: z.array(stepSchema).min(1),
    /**
     * Steps that show whether the order already went through. They pass only on the page of a
     * confirmed order and must extract `orderNumber`.
     */
    verify: z.array(stepSchema).min(1).optional(),
  })
  .superRefine((recipe, context) => {
    const extractsOrderNumber = (steps: Step[]) =>
      steps.some((step) => step.action === 'extract' && step.into === 'orderNumber');
    if (!extractsOrderNumber(recipe.steps)) {
      context.addIssue({
        code: 'custom',
        path: ['steps'],
        message: 'no step extracts into orderNumber; add an extract step with into: orderNumber',
      });
    }
    if (recipe.verify && !extractsOrderNumber(recipe.verify)) {
      context.addIssue({
        code: 'custom',
        path: ['verify'],
        message: 'verify steps must extract into orderNumber',
      });
    }
    recipe.verify?.forEach((step, index) => {
      if (step.effect) {
        context.addIssue({
          code: 'custom',
          path: ['verify', index, 'effect'],
          message: 'a verify step must not change the site',
        });
      }
    });
  });

export type StepRecipe = z.infer<typeof stepRecipeSchema>;
