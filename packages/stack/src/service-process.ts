import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

/** Output lines kept per process for error messages. */
const RECENT_LINES = 20;

/** Options of {@link startServiceProcess}. */
export interface ServiceProcessOptions {
  /** Name used as the log prefix, such as `gateway` or `worker-2`. */
  name: string;
  /** Entry file, run with tsx. */
  entry: string;
  /** Node options placed before the entry, such as `--max-old-space-size=512`. */
  nodeArgs?: string[];
  cwd: string;
  env: Record<string, string>;
  /** Receives each output line of the process. */
  output: (name: string, line: string) => void;
}

/** A service running as a child process. */
export interface ServiceProcess {
  name: string;
  pid: number;
  child: ChildProcess;
  /** The last output lines, for error messages. */
  recentOutput(): string[];
  /** Resolves with the exit code (or signal name) when the process ends. */
  exited: Promise<number | string>;
  /** Sends a signal and waits for the process to end; SIGKILL follows after `timeoutMs`. */
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<number | string>;
}

/** Starts a service entry point as a separate Node process with tsx. */
export function startServiceProcess(options: ServiceProcessOptions): ServiceProcess {
  const child = spawn(
    process.execPath,
    [...(options.nodeArgs ?? []), '--import', 'tsx', options.entry],
    {
      cwd: options.cwd,
      env: { ...process.env, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
      // A process group of its own, so that Ctrl-C in a terminal reaches only the stack, which
      // then stops each service once, in order.
      detached: true,
    },
  );
  const recent: string[] = [];
  for (const stream of [child.stdout, child.stderr]) {
    if (!stream) continue;
    createInterface({ input: stream }).on('line', (line) => {
      recent.push(line);
      if (recent.length > RECENT_LINES) recent.shift();
      options.output(options.name, line);
    });
  }
  const exited = new Promise<number | string>((resolve) => {
    child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown'));
  });

  return {
    name: options.name,
    pid: child.pid ?? -1,
    child,
    exited,
    recentOutput: () => [...recent],
    async stop(signal = 'SIGTERM', timeoutMs = 45_000) {
      if (child.exitCode !== null || child.signalCode !== null) return exited;
      child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      const result = await exited;
      clearTimeout(timer);
      return result;
    },
  };
}

/** Polls `url` until it returns 200, the process exits, or `timeoutMs` passes. */
export async function waitForHealthy(
  url: string,
  service: ServiceProcess,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exitedWith: number | string | undefined;
  void service.exited.then((code) => {
    exitedWith = code;
  });
  while (Date.now() < deadline) {
    if (exitedWith !== undefined) {
      const output = service.recentOutput().join('\n');
      throw new Error(
        `${service.name} exited with ${exitedWith} before it became healthy; its last output:\n${output}`,
      );
    }
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(1_000) });
      if (response.ok) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${service.name} did not return 200 from ${url} within ${timeoutMs} ms`);
}
