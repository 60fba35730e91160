import type { ObjectStore } from '@nats-io/obj';
import type { WorkMessage } from '@orderflow/contracts';
import type { Logger } from 'pino';
import type { Page } from 'playwright-core';
import type { AddressProxy } from './address-proxy';
import { artifactPrefix, capturePage, storeArtifacts } from './artifacts';
import { AttemptError } from './attempt-error';
import type { BrowserHost, Lease } from './browser-host';
import type { EventPublisher, FailureReport, SuccessReport } from './event-publisher';
import {
  type BlockedRequest,
  classifyFailure,
  INTERRUPT_CODES,
  type InterruptReason,
  interruptError,
  mayRetryAfterEffect,
} from './failure-codes';
import { PageLog } from './page-log';
import type { Recipe, RecipeResult, RecipeSession } from './recipes/recipe';
import { StepTimer } from './step-timer';
import { withTimeout } from './with-timeout';

/** Settings an attempt reads from the worker configuration. */
export interface AttemptSettings {
  stepTimeoutMs: number;
  verifyTimeoutMs: number;
  maxScreenshotBytes: number;
  maxHtmlBytes: number;
  maxLogEntries: number;
  screenshotOnSuccess: boolean;
  artifactsBucket: string;
}

/** Collaborators an attempt receives from the worker. */
export interface AttemptDeps {
  host: BrowserHost;
  proxy: AddressProxy;
  publisher: EventPublisher;
  store: ObjectStore;
  settings: AttemptSettings;
  log: Logger;
}

/** Result of one attempt, ready to publish. */
export type AttemptOutcome =
  | { ok: true; report: SuccessReport }
  | { ok: false; report: FailureReport };

/** Time a screenshot may take when the batch was cancelled, which must stop within 2 s. */
const CANCEL_CAPTURE_TIMEOUT_MS = 700;
/**
 * Time a screenshot or HTML capture may take otherwise. On a busy 2-core machine 1.5 s was
 * sometimes too short and a failure went without its screenshot.
 */
const CAPTURE_TIMEOUT_MS = 5_000;

/**
 * One attempt at one item: a fresh browser context behind the slot's address proxy, the
 * recipe, a hard deadline, and interruption from outside (cancel, shutdown, browser crash).
 * Failure artifacts are captured before the context closes.
 */
export class Attempt {
  private interruptReason: InterruptReason | undefined;
  private resolveInterrupt: (reason: InterruptReason) => void = () => {};
  private readonly interrupted = new Promise<InterruptReason>((resolve) => {
    this.resolveInterrupt = resolve;
  });
  private readonly steps = new StepTimer();
  private interruptedAtStep: string | undefined;
  private effectStep: string | undefined;
  private blocked: BlockedRequest | undefined;
  private readonly upstreamErrors: Array<{ url: string; code: string }> = [];
  private readonly stepScreenshots: string[] = [];
  private readonly log: Logger;

  constructor(
    readonly work: WorkMessage,
    private readonly recipe: Recipe,
    private readonly deps: AttemptDeps,
  ) {
    this.log = deps.log.child({
      batchId: work.batchId,
      itemId: work.itemId,
      attempt: work.attempt,
    });
  }

  /** Stops the attempt; the first reason wins. */
  interrupt(reason: InterruptReason): void {
    if (this.interruptReason) return;
    this.interruptReason = reason;
    this.interruptedAtStep = this.steps.current;
    this.log.info({ reason, step: this.steps.current }, 'attempt interrupted');
    this.resolveInterrupt(reason);
  }

  async run(): Promise<AttemptOutcome> {
    if (this.work.verifyFirst && !this.recipe.verify) {
      return this.failure(
        new AttemptError(
          'UNSAFE_TO_RETRY',
          `an earlier attempt may have confirmed this order, and recipe ${this.recipe.name} cannot verify it; check the order on the site by hand`,
          { recipe: this.recipe.name },
        ),
      );
    }
    const deadline = setTimeout(() => this.interrupt('deadline'), this.work.timeoutMs);
    try {
      if (this.recipe.browser === false) return await this.runWithoutBrowser();
      return await this.runInBrowser();
    } finally {
      clearTimeout(deadline);
    }
  }

  /** Runs a recipe that declared `browser: false`, with no context and no page. */
  private async runWithoutBrowser(): Promise<AttemptOutcome> {
    const recipe = this.recipe.name;
    const noPage = new Proxy({} as Page, {
      get() {
        throw new AttemptError(
          'RECIPE_FAILED',
          `recipe ${recipe} declares browser: false but used the page; remove browser: false from it`,
        );
      },
    });
    const session = this.session(noPage);
    const outcome = this.perform(session).then(
      (result) => ({ kind: 'done' as const, result }),
      (error: unknown) => ({ kind: 'error' as const, error }),
    );
    const interrupted = this.interrupted.then((reason) => ({
      kind: 'interrupted' as const,
      reason,
    }));
    const winner = await Promise.race([outcome, interrupted]);
    if (winner.kind === 'done') {
      const { orderNumber: _orderNumber, ...fields } = session.fields;
      return {
        ok: true,
        report: {
          orderNumber: winner.result.orderNumber,
          finalOrderUrl: winner.result.finalOrderUrl ?? this.work.orderUrl,
          fields,
          timings: this.steps.timings(),
        },
      };
    }
    if (winner.kind === 'interrupted') {
      return this.failure(
        new AttemptError(INTERRUPT_CODES[winner.reason], 'the attempt was interrupted'),
      );
    }
    return this.failure(
      classifyFailure(winner.error, this.failureContext(undefined, true), this.steps.current),
    );
  }

  private async runInBrowser(): Promise<AttemptOutcome> {
    let lease: Lease;
    try {
      lease = await this.openContext();
    } catch (error) {
      return this.failure(
        classifyFailure(error, this.failureContext(undefined, false), 'open browser'),
      );
    }
    const onDisconnect = () => this.interrupt('crashed');
    lease.browser.once('disconnected', onDisconnect);
    const pageLog = new PageLog(this.deps.settings.maxLogEntries);
    try {
      let page: Page;
      try {
        page = await lease.context.newPage();
      } catch (error) {
        const context = this.failureContext(undefined, lease.browser.isConnected());
        return this.failure(classifyFailure(error, context, 'open page'));
      }
      pageLog.attach(page);
      const session = this.session(page);
      const outcome = this.perform(session).then(
        (result) => ({ kind: 'done' as const, result }),
        (error: unknown) => ({ kind: 'error' as const, error }),
      );
      const interrupted = this.interrupted.then((reason) => ({
        kind: 'interrupted' as const,
        reason,
      }));
      const winner = await Promise.race([outcome, interrupted]);
      if (this.interruptReason && winner.kind !== 'done') {
        return await this.stopInterrupted(page, lease, pageLog, this.interruptReason);
      }
      if (winner.kind === 'done') return await this.succeed(page, winner.result, session.fields);
      if (winner.kind === 'interrupted')
        return await this.stopInterrupted(page, lease, pageLog, winner.reason);
      const failure = classifyFailure(
        winner.error,
        this.failureContext(pageLog, lease.browser.isConnected()),
        this.steps.current,
      );
      return await this.fail(page, lease, pageLog, failure);
    } finally {
      lease.browser.off('disconnected', onDisconnect);
      this.deps.proxy.detach();
      await this.deps.host.release(lease);
    }
  }

  private async openContext(): Promise<Lease> {
    const lease = await this.deps.host.acquire({
      // Every request, redirect hops included, goes through the slot's proxy, which checks
      // addresses. `<-loopback>` removes Chromium's implicit proxy bypass for loopback hosts.
      proxy: { server: this.deps.proxy.url, bypass: '<-loopback>' },
      serviceWorkers: 'block',
      acceptDownloads: false,
    });
    this.deps.proxy.attach({
      onBlocked: (url, address, message) => {
        this.blocked ??= { url, address, message };
        this.log.warn({ url, address }, 'request blocked by the address policy');
        // Any blocked request ends the attempt, before a later step can change the site.
        this.interrupt('blocked');
      },
      onUpstreamError: (url, code) => {
        this.upstreamErrors.push({ url, code });
        if (this.upstreamErrors.length > this.deps.settings.maxLogEntries)
          this.upstreamErrors.shift();
      },
    });
    return lease;
  }

  private async perform(session: RecipeSession): Promise<RecipeResult & { verified?: boolean }> {
    if (this.work.verifyFirst && this.recipe.verify) {
      const verified = await this.recipe.verify(session);
      if (verified) return { ...verified, verified: true };
      this.log.info('verification found no confirmed order; running the recipe');
    }
    return this.recipe.run(session);
  }

  /** Builds the session of a recipe run; `guarded` stops new steps once the attempt is interrupted. */
  private session(page: Page, guarded = true): RecipeSession {
    const settings = this.deps.settings;
    return {
      page,
      work: this.work,
      fields: {},
      beginStep: async (name, options) => {
        // The recipe runs on while an interrupted attempt captures artifacts, so no further
        // step may start, above all no effect step.
        if (guarded && this.interruptReason) {
          throw new AttemptError(
            INTERRUPT_CODES[this.interruptReason],
            'the attempt was interrupted',
          );
        }
        this.steps.begin(name);
        if (!options?.effect) return;
        try {
          await this.deps.publisher.effectStarted(this.work, name);
        } catch (error) {
          // The effect step has not run, so a plain retry is safe.
          throw new AttemptError(
            'INTERNAL',
            `item.effect_started could not be stored, so step ${name} did not run`,
            {},
            { cause: error, step: name },
          );
        }
        this.effectStep ??= name;
      },
      stepTimeoutMs: (own) => own ?? settings.stepTimeoutMs,
      screenshot: async (name) => {
        const image = await page.screenshot({ type: 'png', timeout: CAPTURE_TIMEOUT_MS });
        const objectName = `${this.prefix()}/step-${this.stepScreenshots.length + 1}-${name.replace(/[^\w-]/g, '_')}.png`;
        await this.deps.store.putBlob({ name: objectName }, image);
        this.stepScreenshots.push(objectName);
      },
    };
  }

  private prefix(): string {
    return artifactPrefix(this.work.batchId, this.work.itemId, this.work.attempt);
  }

  private failureContext(pageLog: PageLog | undefined, browserConnected: boolean) {
    return { blocked: this.blocked, lastDocument: pageLog?.lastDocument, browserConnected };
  }

  private async succeed(
    page: Page,
    result: RecipeResult & { verified?: boolean },
    extracted: Record<string, string>,
  ) {
    // The order number has its own event field; every other extracted field is reported.
    const { orderNumber: _orderNumber, ...fields } = extracted;
    if (result.verified) fields.verifiedOnSite = 'true';
    let artifacts: SuccessReport['artifacts'];
    if (this.deps.settings.screenshotOnSuccess) {
      const captured = await capturePage(page, this.limits(), CAPTURE_TIMEOUT_MS);
      artifacts = await this.store(
        { screenshot: captured.screenshot, notes: captured.notes },
        undefined,
      );
    }
    const report: SuccessReport = {
      orderNumber: result.orderNumber,
      finalOrderUrl: result.finalOrderUrl ?? page.url(),
      fields,
      timings: this.steps.timings(),
      ...(artifacts ? { artifacts } : {}),
    };
    return { ok: true as const, report };
  }

  private async fail(page: Page, lease: Lease, pageLog: PageLog, error: AttemptError) {
    const artifacts = await this.captureAndStore(page, pageLog, CAPTURE_TIMEOUT_MS);
    if (this.effectStep && mayRetryAfterEffect(error.code)) {
      await this.deps.host.release(lease);
      return this.settleAfterEffect(error, artifacts);
    }
    return this.failure(error, artifacts);
  }

  private async stopInterrupted(
    page: Page,
    lease: Lease,
    pageLog: PageLog,
    reason: InterruptReason,
  ) {
    const captureTimeoutMs =
      reason === 'cancelled' ? CANCEL_CAPTURE_TIMEOUT_MS : CAPTURE_TIMEOUT_MS;
    const captured =
      reason === 'crashed'
        ? { notes: ['Chromium was gone, so nothing was captured'] }
        : await capturePage(page, this.limits(), captureTimeoutMs);
    // Closing the context ends every pending Playwright call of the recipe.
    await this.deps.host.release(lease);
    const artifacts = await this.store(captured, pageLog);
    const error = this.interruptError(reason);
    // A blocked address is final and changes nothing on the site, so it needs no verification.
    if (!this.effectStep || reason === 'blocked') return this.failure(error, artifacts);
    if (reason === 'cancelled') return this.unsafe(error, artifacts, 'the batch was cancelled');
    return this.settleAfterEffect(error, artifacts);
  }

  private interruptError(reason: InterruptReason): AttemptError {
    return interruptError(reason, {
      step: this.interruptedAtStep,
      timeoutMs: this.work.timeoutMs,
      blocked: this.blocked,
    });
  }

  /**
   * Decides an attempt that failed or stopped after an effect step began. Retrying blindly could
   * pay twice, so the recipe's verification runs in a fresh context. A confirmed order is a
   * success, and an order that is clearly not confirmed keeps the original failure. Without a
   * verification, or when it fails, the outcome is UNSAFE_TO_RETRY.
   */
  private async settleAfterEffect(
    error: AttemptError,
    artifacts: FailureReport['artifacts'],
  ): Promise<AttemptOutcome> {
    if (!this.recipe.verify) return this.unsafe(error, artifacts, 'the recipe has no verification');
    let lease: Lease | undefined;
    const budget = setTimeout(() => {
      if (lease) void this.deps.host.release(lease);
    }, this.deps.settings.verifyTimeoutMs);
    try {
      lease = await this.deps.host.acquire({
        proxy: { server: this.deps.proxy.url, bypass: '<-loopback>' },
        serviceWorkers: 'block',
      });
      const page = await lease.context.newPage();
      new PageLog(this.deps.settings.maxLogEntries).attach(page);
      const session = this.session(page, false);
      const verified = await this.recipe.verify(session);
      if (verified) {
        this.log.info({ code: error.code }, 'verification found the order confirmed');
        return await this.succeed(page, { ...verified, verified: true }, session.fields);
      }
      return this.failure(
        new AttemptError(
          error.code,
          `${error.message}; verification found the order not confirmed`,
          { ...error.details, verifiedNotConfirmed: true },
          { step: error.step },
        ),
        artifacts,
      );
    } catch (verifyError) {
      this.log.warn({ err: verifyError }, 'verification after an effect step failed');
      return this.unsafe(error, artifacts, 'the verification failed');
    } finally {
      clearTimeout(budget);
      if (lease) await this.deps.host.release(lease);
    }
  }

  private unsafe(
    error: AttemptError,
    artifacts: FailureReport['artifacts'],
    unverifiedBecause: string,
  ): AttemptOutcome {
    return this.failure(
      new AttemptError(
        'UNSAFE_TO_RETRY',
        `the attempt stopped with ${error.code} after step ${this.effectStep}, which changes the site, and ${unverifiedBecause}; check the order on the site by hand`,
        {
          ...error.details,
          interruptedBy: error.code,
          effectStep: this.effectStep,
          interruptMessage: error.message,
        },
        { step: error.step },
      ),
      artifacts,
    );
  }

  private failure(error: AttemptError, artifacts?: FailureReport['artifacts']): AttemptOutcome {
    const report: FailureReport = {
      code: error.code,
      message: error.message,
      ...(error.step ? { step: error.step } : {}),
      details: error.details,
      timings: this.steps.timings(),
      ...(artifacts ? { artifacts } : {}),
    };
    return { ok: false, report };
  }

  private limits() {
    const { maxScreenshotBytes, maxHtmlBytes } = this.deps.settings;
    return { maxScreenshotBytes, maxHtmlBytes };
  }

  private async captureAndStore(page: Page, pageLog: PageLog, timeoutMs: number) {
    const captured = await capturePage(page, this.limits(), timeoutMs);
    if (!captured.screenshot) {
      this.log.warn({ notes: captured.notes }, 'failed attempt has no screenshot');
    }
    return this.store(captured, pageLog);
  }

  private async store(
    captured: Parameters<typeof storeArtifacts>[3],
    pageLog: PageLog | undefined,
  ) {
    const log = {
      ...(pageLog?.toJSON() ?? {}),
      blockedRequest: this.blocked ?? null,
      upstreamErrors: this.upstreamErrors,
      stepScreenshots: this.stepScreenshots,
      step: this.steps.current ?? null,
    };
    try {
      return await withTimeout(
        storeArtifacts(
          this.deps.store,
          this.deps.settings.artifactsBucket,
          this.prefix(),
          captured,
          log,
        ),
        CAPTURE_TIMEOUT_MS * 2,
        'storing artifacts',
      );
    } catch (error) {
      this.log.warn({ err: error }, 'failure artifacts could not be stored');
      return undefined;
    }
  }
}
