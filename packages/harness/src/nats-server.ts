import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { findFreePort, waitForPort } from './ports';

const STARTUP_TIMEOUT_MS = 15_000;

/** Raised when no nats-server binary can be found. */
export class NatsServerNotFoundError extends Error {
  override name = 'NatsServerNotFoundError';

  constructor() {
    super(
      'nats-server was not found on PATH and NATS_SERVER_BIN is not set. ' +
        'Install it with `apt-get install -y nats-server` (Debian) or point NATS_SERVER_BIN at the binary.',
    );
  }
}

/** Finds the nats-server binary: NATS_SERVER_BIN, then PATH, then /usr/sbin. */
export function resolveNatsServer(): string {
  const configured = process.env.NATS_SERVER_BIN;
  if (configured) {
    if (!existsSync(configured)) throw new Error(`NATS_SERVER_BIN=${configured} does not exist`);
    return configured;
  }
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/usr/local/sbin'];
  for (const dir of dirs) {
    const candidate = join(dir, 'nats-server');
    if (dir && existsSync(candidate)) return candidate;
  }
  throw new NatsServerNotFoundError();
}

/** Options of {@link startNatsServer}. */
export interface NatsServerOptions {
  /** Client port; default a free one. */
  port?: number;
  /** JetStream store directory; default a new temporary one, removed on stop. */
  storeDir?: string;
  /** Also serve the monitoring endpoints (`/jsz`, `/healthz`) on a free port. */
  monitor?: boolean;
}

/** A running nats-server started by the harness. */
export interface NatsServerHandle {
  url: string;
  port: number;
  /** Monitoring base URL when `monitor` was set. */
  monitorUrl?: string;
  storeDir: string;
  /** Stops the server and, when the harness created the store directory, removes it. */
  stop(): Promise<void>;
  /** Stops the server with SIGKILL or SIGTERM and starts it again on the same port and store. */
  restart(signal?: 'SIGKILL' | 'SIGTERM'): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

/** Starts a real nats-server with JetStream on 127.0.0.1. */
export async function startNatsServer(options: NatsServerOptions = {}): Promise<NatsServerHandle> {
  const binary = resolveNatsServer();
  const port = options.port ?? (await findFreePort());
  const monitorPort = options.monitor ? await findFreePort() : undefined;
  const ownsStore = options.storeDir === undefined;
  const storeDir = options.storeDir ?? (await mkdtemp(join(tmpdir(), 'orderflow-nats-')));
  await mkdir(storeDir, { recursive: true });

  const args = ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', storeDir];
  if (monitorPort) args.push('-m', String(monitorPort));

  let child = await launch(binary, args, port);
  const stopChild = async (signal: NodeJS.Signals) => {
    const exited = new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) resolve();
      else child.once('exit', () => resolve());
    });
    child.kill(signal);
    await exited;
  };

  const handle: NatsServerHandle = {
    url: `nats://127.0.0.1:${port}`,
    port,
    ...(monitorPort ? { monitorUrl: `http://127.0.0.1:${monitorPort}` } : {}),
    storeDir,
    async stop() {
      await stopChild('SIGTERM');
      if (ownsStore) await rm(storeDir, { recursive: true, force: true });
    },
    async restart(signal = 'SIGTERM') {
      await stopChild(signal);
      child = await launch(binary, args, port);
    },
    [Symbol.asyncDispose]() {
      return handle.stop();
    },
  };
  return handle;
}

async function launch(binary: string, args: string[], port: number): Promise<ChildProcess> {
  // Detached so that Ctrl-C in a terminal does not stop NATS before the services have drained.
  const child = spawn(binary, args, { stdio: ['ignore', 'ignore', 'pipe'], detached: true });
  let output = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-4_000);
  });
  const exited = new Promise<never>((_, reject) => {
    child.once('exit', (code) =>
      reject(new Error(`nats-server exited with code ${code} during start-up:\n${output}`)),
    );
  });
  await Promise.race([waitForPort(port, STARTUP_TIMEOUT_MS), exited]);
  child.removeAllListeners('exit');
  return child;
}
