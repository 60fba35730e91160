import type { ObjectStore } from '@nats-io/obj';
import type { Artifacts } from '@orderflow/contracts';
import type { Page } from 'playwright-core';
import { OperationTimeoutError, withTimeout } from './with-timeout';

/** Size caps of failure artifacts, in bytes. */
export interface ArtifactLimits {
  maxScreenshotBytes: number;
  maxHtmlBytes: number;
}

/** Screenshot, HTML and notes captured from a page before its context closed. */
export interface CapturedPage {
  screenshot?: Buffer;
  html?: string;
  /** Facts for the log artifact, such as console errors and why a capture was skipped. */
  notes: string[];
}

/** JPEG quality used when a PNG screenshot exceeds its cap. */
const FALLBACK_JPEG_QUALITY = 50;

/**
 * Takes a screenshot through the DevTools protocol. Playwright's own screenshot waits for a
 * pending navigation to commit, so it fails on exactly the pages that hang.
 */
async function screenshotNow(page: Page, format: 'png' | 'jpeg', timeoutMs: number) {
  const session = await withTimeout(
    page.context().newCDPSession(page),
    timeoutMs,
    'opening a DevTools session',
  );
  try {
    const shot = await withTimeout(
      session.send('Page.captureScreenshot', {
        format,
        ...(format === 'jpeg' ? { quality: FALLBACK_JPEG_QUALITY } : {}),
      }),
      timeoutMs,
      'taking a screenshot',
    );
    return Buffer.from(shot.data, 'base64');
  } finally {
    session.detach().catch(() => undefined);
  }
}

/** Pause between screenshot tries while the page has not painted, in milliseconds. */
const FRAME_RETRY_DELAY_MS = 100;

/**
 * Takes a PNG screenshot within `timeoutMs`. In full test runs on a loaded machine, Chromium
 * twice returned "Unable to capture screenshot" at once for a server-error page, most likely
 * because the page had not painted yet. Such quick failures are tried again after waiting for
 * the page's next frames, within the same time budget. A timeout is not tried again.
 */
async function screenshotWithRetry(page: Page, timeoutMs: number, notes: string[]) {
  const deadline = Date.now() + timeoutMs;
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await screenshotNow(page, 'png', Math.max(1, deadline - Date.now()));
    } catch (error) {
      const remainingMs = deadline - Date.now();
      if (error instanceof OperationTimeoutError || remainingMs <= FRAME_RETRY_DELAY_MS)
        throw error;
      if (attempt === 1) {
        notes.push(`screenshot try failed: ${String((error as Error).message).split('\n')[0]}`);
      }
      await waitForFrames(page, remainingMs - FRAME_RETRY_DELAY_MS);
    }
  }
}

/** Waits until the page has painted twice more, or the time is up, or a short pause at least. */
async function waitForFrames(page: Page, timeoutMs: number): Promise<void> {
  const painted = page.evaluate(
    () =>
      new Promise<void>((resolve) => {
        // Runs in the page, where requestAnimationFrame exists; Node's types do not know it.
        const browser = globalThis as unknown as {
          requestAnimationFrame(callback: () => void): number;
        };
        browser.requestAnimationFrame(() => browser.requestAnimationFrame(() => resolve()));
      }),
  );
  await Promise.all([
    withTimeout(painted, timeoutMs, 'waiting for the page to paint').catch(() => undefined),
    new Promise((resolve) => setTimeout(resolve, FRAME_RETRY_DELAY_MS)),
  ]);
}

async function captureScreenshot(
  page: Page,
  limits: ArtifactLimits,
  timeoutMs: number,
  notes: string[],
) {
  try {
    const png = await screenshotWithRetry(page, timeoutMs, notes);
    if (png.length <= limits.maxScreenshotBytes) return png;
    const jpeg = await screenshotNow(page, 'jpeg', timeoutMs);
    if (jpeg.length <= limits.maxScreenshotBytes) return jpeg;
    notes.push(`screenshot skipped: ${jpeg.length} bytes exceed ${limits.maxScreenshotBytes}`);
  } catch (error) {
    notes.push(`screenshot failed: ${String((error as Error).message).split('\n')[0]}`);
  }
  return undefined;
}

async function captureHtml(page: Page, limits: ArtifactLimits, timeoutMs: number, notes: string[]) {
  try {
    const html = await withTimeout(page.content(), timeoutMs, 'reading the page HTML');
    const bytes = Buffer.from(html);
    if (bytes.length <= limits.maxHtmlBytes) return html;
    notes.push(`page HTML cut from ${bytes.length} to ${limits.maxHtmlBytes} bytes`);
    return bytes.subarray(0, limits.maxHtmlBytes).toString();
  } catch (error) {
    notes.push(`page HTML not captured: ${String((error as Error).message).split('\n')[0]}`);
    return undefined;
  }
}

/**
 * Takes a screenshot and the HTML of `page`, each within `timeoutMs` and its size cap. The HTML
 * of a page whose navigation never committed cannot be read, so it is skipped after the timeout.
 */
export async function capturePage(
  page: Page,
  limits: ArtifactLimits,
  timeoutMs: number,
): Promise<CapturedPage> {
  const notes: string[] = [];
  const screenshot = await captureScreenshot(page, limits, timeoutMs, notes);
  const html = await captureHtml(page, limits, timeoutMs, notes);
  return { ...(screenshot ? { screenshot } : {}), ...(html !== undefined ? { html } : {}), notes };
}

/** Object name prefix of one attempt's artifacts: `<batchId>/<itemId>/<attempt>`. */
export function artifactPrefix(batchId: string, itemId: string, attempt: number): string {
  return `${batchId}/${itemId}/${attempt}`;
}

/** Stores captured artifacts and the log in the artifacts bucket; returns their object names. */
export async function storeArtifacts(
  store: ObjectStore,
  bucket: string,
  prefix: string,
  captured: CapturedPage,
  log: Record<string, unknown>,
): Promise<Artifacts> {
  const artifacts: Artifacts = { bucket };
  if (captured.screenshot) {
    const isPng = captured.screenshot.subarray(1, 4).toString() === 'PNG';
    const name = `${prefix}/screenshot.${isPng ? 'png' : 'jpg'}`;
    await store.putBlob({ name }, captured.screenshot);
    artifacts.screenshot = name;
  }
  if (captured.html !== undefined) {
    const name = `${prefix}/page.html`;
    await store.putBlob({ name }, Buffer.from(captured.html));
    artifacts.html = name;
  }
  const logName = `${prefix}/log.json`;
  await store.putBlob(
    { name: logName },
    Buffer.from(JSON.stringify({ ...log, notes: captured.notes })),
  );
  artifacts.log = logName;
  return artifacts;
}
