import { amountToMinorUnits, minorUnitsToAmount } from '@orderflow/contracts';
import { errors, type Locator, type Page, type Response } from 'playwright-core';
import { AttemptError } from '../attempt-error';
import { parseShownAmount } from './amount-text';
import type { RecipeSession } from './recipe';
import type { Step } from './recipe-schema';
import { fillTemplate } from './template';

/** Interval at which `expectText` reads the element's text again. */
const TEXT_POLL_MS = 100;

/** Label of a step in events and timings, such as `steps[2]:confirm order`. */
export function stepLabel(phase: 'steps' | 'verify', index: number, step: Step): string {
  return `${phase}[${index}]:${step.name ?? step.action}`;
}

function isTimeout(error: unknown): boolean {
  return error instanceof errors.TimeoutError;
}

function locate(page: Page, step: Step & { selector: string }): Locator {
  const scope = step.frame ? page.frameLocator(step.frame) : page;
  return scope.locator(step.selector).first();
}

function templateValues(session: RecipeSession) {
  const { work } = session;
  return {
    orderUrl: work.orderUrl,
    amount: work.amount,
    itemId: work.itemId,
    batchId: work.batchId,
    fields: session.fields,
  };
}

/** Reads the text of an element as rendered, which leaves out hidden elements and scripts. */
function visibleText(locator: Locator, timeoutMs: number): Promise<string> {
  // biome-ignore lint/performance/useDomNodeTextContent: Playwright's innerText, not the DOM's.
  return locator.innerText({ timeout: timeoutMs });
}

/** Waits for an element and converts a Playwright timeout into ELEMENT_NOT_FOUND. */
async function waitForElement(locator: Locator, selector: string, timeoutMs: number) {
  try {
    await locator.waitFor({ state: 'visible', timeout: timeoutMs });
  } catch (error) {
    if (!isTimeout(error)) throw error;
    throw new AttemptError(
      'ELEMENT_NOT_FOUND',
      `element ${selector} did not appear within ${timeoutMs} ms`,
      { selector, timeoutMs },
      { cause: error },
    );
  }
}

async function goto(session: RecipeSession, step: Extract<Step, { action: 'goto' }>) {
  const url = fillTemplate(step.url, templateValues(session));
  const timeoutMs = session.stepTimeoutMs(step.timeoutMs);
  let response: Response | null;
  try {
    response = await session.page.goto(url, { waitUntil: 'domcontentloaded', timeout: timeoutMs });
  } catch (error) {
    const reason = isTimeout(error)
      ? `no response within ${timeoutMs} ms`
      : String((error as Error).message).split('\n')[0];
    throw new AttemptError(
      'NAVIGATION_FAILED',
      `the order page ${url} could not be loaded: ${reason}`,
      { url, reason },
      { cause: error },
    );
  }
  const status = response?.status() ?? 200;
  if (status >= 400) {
    const code = status >= 500 ? 'PAGE_SERVER_ERROR' : 'PAGE_CLIENT_ERROR';
    throw new AttemptError(code, `the order site returned HTTP ${status} for ${url}`, {
      httpStatus: status,
      url: response?.url() ?? url,
    });
  }
}

async function waitFor(session: RecipeSession, step: Extract<Step, { action: 'waitFor' }>) {
  const timeoutMs = session.stepTimeoutMs(step.timeoutMs);
  const { page } = session;
  if (step.selector) {
    await waitForElement(
      locate(page, { ...step, selector: step.selector }),
      step.selector,
      timeoutMs,
    );
    return;
  }
  if (step.text) {
    const scope = step.frame ? page.frameLocator(step.frame) : page;
    await waitForElement(scope.getByText(step.text).first(), `text "${step.text}"`, timeoutMs);
    return;
  }
  try {
    await page.waitForURL(step.url ?? '', { timeout: timeoutMs, waitUntil: 'commit' });
  } catch (error) {
    if (!isTimeout(error)) throw error;
    throw new AttemptError(
      'ELEMENT_NOT_FOUND',
      `the page URL did not match ${step.url} within ${timeoutMs} ms`,
      { expectedUrl: step.url, foundUrl: page.url() },
    );
  }
}

async function expectText(session: RecipeSession, step: Extract<Step, { action: 'expectText' }>) {
  const timeoutMs = session.stepTimeoutMs(step.timeoutMs);
  const locator = locate(session.page, step);
  await waitForElement(locator, step.selector, timeoutMs);
  const pattern = step.pattern ? new RegExp(step.pattern) : undefined;
  const matches = (text: string) => (pattern ? pattern.test(text) : text.includes(step.text ?? ''));
  const deadline = Date.now() + timeoutMs;
  let text = await visibleText(locator, timeoutMs);
  while (!matches(text) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, TEXT_POLL_MS));
    text = await visibleText(locator, timeoutMs);
  }
  if (!matches(text)) {
    throw new AttemptError('RECIPE_FAILED', `${step.selector} does not show the expected text`, {
      expected: step.text ?? step.pattern,
      found: text.slice(0, 200),
    });
  }
}

async function extract(session: RecipeSession, step: Extract<Step, { action: 'extract' }>) {
  const timeoutMs = session.stepTimeoutMs(step.timeoutMs);
  const isOrderNumber = step.into === 'orderNumber';
  const locator = locate(session.page, step);
  try {
    await waitForElement(locator, step.selector, timeoutMs);
  } catch (error) {
    if (!isOrderNumber || !(error instanceof AttemptError)) throw error;
    throw new AttemptError(
      'ORDER_NUMBER_NOT_FOUND',
      `the page shows no order number: ${step.selector} did not appear within ${timeoutMs} ms`,
      { selector: step.selector, url: session.page.url() },
    );
  }
  const raw = step.attribute
    ? ((await locator.getAttribute(step.attribute, { timeout: timeoutMs })) ?? '')
    : await visibleText(locator, timeoutMs);
  const text = raw.trim();
  const match = step.pattern ? new RegExp(step.pattern).exec(text) : undefined;
  const value = step.pattern ? (match?.[1] ?? match?.[0]) : text;
  if (!value) {
    throw new AttemptError(
      isOrderNumber ? 'ORDER_NUMBER_NOT_FOUND' : 'RECIPE_FAILED',
      `${step.selector} shows "${text.slice(0, 100)}", which does not match ${step.pattern ?? 'a value'}`,
      { selector: step.selector, found: text.slice(0, 200), pattern: step.pattern },
    );
  }
  session.fields[step.into] = value;
}

async function checkAmount(session: RecipeSession, step: Extract<Step, { action: 'checkAmount' }>) {
  const timeoutMs = session.stepTimeoutMs(step.timeoutMs);
  const locator = locate(session.page, step);
  await waitForElement(locator, step.selector, timeoutMs);
  const shownText = (await visibleText(locator, timeoutMs)).trim();
  const shownMinorUnits = parseShownAmount(shownText);
  const expected = session.work.amount;
  if (shownMinorUnits === amountToMinorUnits(expected)) return;
  const found = shownMinorUnits === undefined ? null : minorUnitsToAmount(shownMinorUnits);
  throw new AttemptError(
    'AMOUNT_MISMATCH',
    found === null
      ? `the page shows "${shownText.slice(0, 100)}" where an amount of ${expected} was expected`
      : `the page shows ${found} but the item amount is ${expected}`,
    { expected, found, shownText: shownText.slice(0, 200) },
  );
}

async function runStep(session: RecipeSession, step: Step): Promise<void> {
  const { page } = session;
  const timeoutMs = session.stepTimeoutMs(step.timeoutMs);
  const values = templateValues(session);
  switch (step.action) {
    case 'goto':
      return goto(session, step);
    case 'waitFor':
      return waitFor(session, step);
    case 'click': {
      const locator = locate(page, step);
      await waitForElement(locator, step.selector, timeoutMs);
      await locator.click({ timeout: timeoutMs });
      return;
    }
    case 'fill': {
      const locator = locate(page, step);
      await waitForElement(locator, step.selector, timeoutMs);
      await locator.fill(fillTemplate(step.value, values), { timeout: timeoutMs });
      return;
    }
    case 'select': {
      const locator = locate(page, step);
      await waitForElement(locator, step.selector, timeoutMs);
      const value = fillTemplate(step.value, values);
      // A string matches an option's value or its label.
      await locator.selectOption(value, { timeout: timeoutMs });
      return;
    }
    case 'expectText':
      return expectText(session, step);
    case 'extract':
      return extract(session, step);
    case 'checkAmount':
      return checkAmount(session, step);
    case 'screenshot':
      return session.screenshot(step.name ?? 'step');
  }
}

/** Runs declarative steps in order; a failing step's AttemptError carries the step label. */
export async function runSteps(
  session: RecipeSession,
  steps: Step[],
  phase: 'steps' | 'verify',
): Promise<void> {
  for (const [index, step] of steps.entries()) {
    const label = stepLabel(phase, index, step);
    await session.beginStep(label, { effect: step.effect });
    try {
      await runStep(session, step);
    } catch (error) {
      if (error instanceof AttemptError) {
        error.step ??= label;
        throw error;
      }
      if (isTimeout(error)) {
        throw new AttemptError(
          'ELEMENT_NOT_FOUND',
          `step ${label} timed out`,
          {},
          { cause: error, step: label },
        );
      }
      throw error;
    }
  }
}
