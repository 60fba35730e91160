import type { Logger } from 'pino';

/** One step of a graceful shutdown, run in registration order. */
export interface ShutdownStep {
  name: string;
  run: () => Promise<void> | void;
}

/** Options of {@link handleShutdown}. */
export interface ShutdownOptions {
  log: Logger;
  /** Milliseconds after which the process exits even if steps are still running. */
  timeoutMs: number;
  steps: ShutdownStep[];
  /** Exit the process when done; default true. Tests pass false. */
  exit?: boolean;
}

/**
 * Runs the shutdown steps once on SIGTERM or SIGINT: stop taking work, finish or hand back,
 * drain, close. A second signal, or the timeout, exits at once with status 1.
 * Returns a function that triggers the same shutdown from code.
 */
export function handleShutdown(options: ShutdownOptions): () => Promise<void> {
  const log = options.log.child({ component: 'shutdown' });
  let running: Promise<void> | undefined;

  const shutdown = (): Promise<void> => {
    if (running) return running;
    running = (async () => {
      const timer = setTimeout(() => {
        log.error({ timeoutMs: options.timeoutMs }, 'shutdown timed out, exiting');
        process.exit(1);
      }, options.timeoutMs);
      timer.unref();
      let failed = false;
      for (const step of options.steps) {
        try {
          await step.run();
          log.info({ step: step.name }, 'shutdown step done');
        } catch (error) {
          failed = true;
          log.error({ err: error, step: step.name }, 'shutdown step failed');
        }
      }
      clearTimeout(timer);
      log.info('stopped');
      if (options.exit !== false) process.exit(failed ? 1 : 0);
    })();
    return running;
  };

  const onSignal = (signal: NodeJS.Signals) => {
    if (running) {
      log.warn({ signal }, 'second signal, exiting now');
      process.exit(1);
    }
    log.info({ signal }, 'shutting down');
    void shutdown();
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  return shutdown;
}
