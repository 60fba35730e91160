import type { Page } from 'playwright-core';

/** A request that failed or received a response with HTTP status 400 or above. */
export interface FailedRequest {
  url: string;
  method: string;
  /** HTTP status, or the network error such as `net::ERR_CONNECTION_REFUSED`. */
  failure: string;
}

/** Response of the latest main-frame navigation. */
export interface DocumentResponse {
  url: string;
  status: number;
}

/** A fixed-size list that keeps the newest entries. */
class RecentList<T> {
  private readonly items: T[] = [];

  constructor(private readonly maxEntries: number) {}

  push(item: T): void {
    this.items.push(item);
    if (this.items.length > this.maxEntries) this.items.shift();
  }

  toArray(): T[] {
    return [...this.items];
  }
}

const MAX_TEXT_CHARS = 500;

/**
 * Collects what a failure report needs from one page: console errors, uncaught exceptions,
 * failed requests, dialogs, and the status of the latest main-frame document.
 */
export class PageLog {
  readonly consoleErrors: RecentList<string>;
  readonly failedRequests: RecentList<FailedRequest>;
  readonly dialogs: RecentList<string>;
  lastDocument: DocumentResponse | undefined;

  constructor(maxEntries: number) {
    this.consoleErrors = new RecentList(maxEntries);
    this.failedRequests = new RecentList(maxEntries);
    this.dialogs = new RecentList(maxEntries);
  }

  /** Starts collecting from `page`; dialogs are accepted so that confirm prompts proceed. */
  attach(page: Page): void {
    page.on('console', (message) => {
      if (message.type() === 'error')
        this.consoleErrors.push(message.text().slice(0, MAX_TEXT_CHARS));
    });
    page.on('pageerror', (error) =>
      this.consoleErrors.push(String(error).slice(0, MAX_TEXT_CHARS)),
    );
    page.on('requestfailed', (request) => {
      this.failedRequests.push({
        url: request.url().slice(0, MAX_TEXT_CHARS),
        method: request.method(),
        failure: request.failure()?.errorText ?? 'failed',
      });
    });
    page.on('response', (response) => {
      const request = response.request();
      const status = response.status();
      if (status >= 400) {
        this.failedRequests.push({
          url: response.url().slice(0, MAX_TEXT_CHARS),
          method: request.method(),
          failure: `HTTP ${status}`,
        });
      }
      if (request.isNavigationRequest() && request.frame() === page.mainFrame()) {
        this.lastDocument = { url: response.url(), status };
      }
    });
    page.on('dialog', (dialog) => {
      this.dialogs.push(`${dialog.type()}: ${dialog.message().slice(0, MAX_TEXT_CHARS)}`);
      dialog.accept().catch(() => undefined);
    });
  }

  /** Returns the log as stored in the `log` artifact. */
  toJSON(): Record<string, unknown> {
    return {
      consoleErrors: this.consoleErrors.toArray(),
      failedRequests: this.failedRequests.toArray(),
      dialogs: this.dialogs.toArray(),
      lastDocument: this.lastDocument ?? null,
    };
  }
}
