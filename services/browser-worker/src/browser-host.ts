import type { Logger } from 'pino';
import {
  type Browser,
  type BrowserContext,
  type BrowserContextOptions,
  chromium,
} from 'playwright-core';
import { withTimeout } from './with-timeout';

/** Flags every worker Chromium gets: no background traffic, no updates, no sync. */
export const BASE_CHROMIUM_ARGS = [
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
  '--disable-dev-shm-usage',
];

/** Time allowed for Chromium to start. */
const LAUNCH_TIMEOUT_MS = 30_000;

/** Options of {@link BrowserHost}. */
export interface BrowserHostOptions {
  executablePath: string;
  /** Flags added to {@link BASE_CHROMIUM_ARGS}. */
  extraArgs: string[];
  /** Contexts one browser serves before it is replaced. */
  maxContexts: number;
  closeTimeoutMs: number;
  log: Logger;
}

/** A browser context together with the browser that owns it. */
export interface Lease {
  browser: Browser;
  context: BrowserContext;
}

/** Chromium runs as root only without its sandbox, which needs unprivileged user namespaces. */
function sandboxArgs(): string[] {
  return process.getuid?.() === 0 ? ['--no-sandbox'] : [];
}

/**
 * Owns the one Chromium of a worker process. Hands out fresh contexts, replaces the browser
 * after `maxContexts` contexts or when it disconnects, and closes retired browsers once their
 * last context is closed.
 */
export class BrowserHost {
  private current: Promise<Browser> | undefined;
  /** The browser `current` resolved to, so that its disconnect can be matched. */
  private currentBrowser: Browser | undefined;
  private contextsServed = 0;
  private readonly openContexts = new Map<Browser, number>();
  private readonly retired = new Set<Browser>();
  /** Browsers this host is closing itself, whose disconnect is expected. */
  private readonly closing = new WeakSet<Browser>();
  private readonly released = new WeakSet<BrowserContext>();
  private closed = false;

  constructor(private readonly options: BrowserHostOptions) {}

  /** Launches Chromium now, so that readiness means a browser is up. */
  async start(): Promise<void> {
    await this.browser();
  }

  /** Tells whether a connected browser is available. */
  isReady(): boolean {
    return !this.closed && this.current !== undefined;
  }

  /** Opens a fresh context; close it with {@link release}. */
  async acquire(contextOptions: BrowserContextOptions): Promise<Lease> {
    if (this.contextsServed >= this.options.maxContexts)
      this.retireCurrent('context limit reached');
    const browser = await this.browser();
    this.contextsServed += 1;
    this.openContexts.set(browser, (this.openContexts.get(browser) ?? 0) + 1);
    try {
      const context = await browser.newContext(contextOptions);
      return { browser, context };
    } catch (error) {
      this.forget(browser);
      throw error;
    }
  }

  /** Closes a context within the close timeout, then closes its browser if it was retired. */
  async release(lease: Lease): Promise<void> {
    if (this.released.has(lease.context)) return;
    this.released.add(lease.context);
    try {
      await withTimeout(lease.context.close(), this.options.closeTimeoutMs, 'closing a context');
    } catch (error) {
      this.options.log.warn({ err: error }, 'browser context did not close in time');
    }
    this.forget(lease.browser);
  }

  /** Closes every browser this host launched. */
  async close(): Promise<void> {
    this.closed = true;
    const browsers = [...this.retired];
    const current = await this.current?.catch(() => undefined);
    if (current) browsers.push(current);
    this.current = undefined;
    await Promise.all(browsers.map((browser) => this.closeBrowser(browser)));
  }

  private forget(browser: Browser): void {
    const open = (this.openContexts.get(browser) ?? 1) - 1;
    this.openContexts.set(browser, open);
    if (open <= 0 && this.retired.has(browser)) void this.closeBrowser(browser);
  }

  private browser(): Promise<Browser> {
    if (this.closed) return Promise.reject(new Error('the browser host is closed'));
    if (!this.current) {
      const launching = this.launch();
      this.current = launching;
      // A failed launch is forgotten, so the next attempt tries again.
      launching.catch(() => {
        if (this.current === launching) this.current = undefined;
      });
    }
    return this.current;
  }

  private async launch(): Promise<Browser> {
    const log = this.options.log;
    const launching = chromium.launch({
      executablePath: this.options.executablePath,
      args: [...BASE_CHROMIUM_ARGS, ...sandboxArgs(), ...this.options.extraArgs],
      headless: true,
      // The worker runs its own shutdown, which must keep Chromium alive during the grace period.
      handleSIGINT: false,
      handleSIGTERM: false,
      handleSIGHUP: false,
      timeout: LAUNCH_TIMEOUT_MS,
    });
    const browser = await launching;
    this.contextsServed = 0;
    this.openContexts.set(browser, 0);
    this.currentBrowser = browser;
    browser.once('disconnected', () => {
      if (this.currentBrowser === browser) {
        this.current = undefined;
        this.currentBrowser = undefined;
      }
      this.openContexts.delete(browser);
      this.retired.delete(browser);
      if (!this.closed && !this.closing.has(browser)) {
        log.warn('Chromium disconnected; the next attempt launches a new one');
      }
    });
    log.info({ version: browser.version() }, 'Chromium launched');
    return browser;
  }

  private retireCurrent(reason: string): void {
    const current = this.current;
    this.current = undefined;
    this.currentBrowser = undefined;
    void current?.then((browser) => {
      this.options.log.info({ reason }, 'replacing Chromium');
      this.retired.add(browser);
      if ((this.openContexts.get(browser) ?? 0) === 0) void this.closeBrowser(browser);
    });
  }

  private async closeBrowser(browser: Browser): Promise<void> {
    this.closing.add(browser);
    this.retired.delete(browser);
    this.openContexts.delete(browser);
    try {
      await withTimeout(browser.close(), this.options.closeTimeoutMs, 'closing Chromium');
    } catch (error) {
      this.options.log.error({ err: error }, 'Chromium did not close in time');
    }
  }
}
