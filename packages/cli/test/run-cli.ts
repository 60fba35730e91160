import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const packageDir = join(dirname(fileURLToPath(import.meta.url)), '..');

// An absolute loader path, because Node resolves a bare `--import tsx` from the working
// directory, which tests set to folders without node_modules.
const tsxLoader = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

/** Entry point of the CLI, as `pnpm orderflow` runs it. */
export const CLI_MAIN = join(packageDir, 'src', 'main.ts');

/** Output and exit status of one CLI run. */
export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Options of {@link runCliProcess}. */
export interface CliRunOptions {
  /** Variables added to a minimal environment without any ORDERFLOW_ settings. */
  env?: Record<string, string>;
  cwd?: string;
  /** Called with each piece of stdout as it arrives, to act while the CLI still runs. */
  onStdout?: (text: string) => void;
}

// A data folder that does not exist, so that a token file of a local stack never reaches the tests.
const emptyDataDir = join(tmpdir(), `orderflow-cli-no-data-${process.pid}`);

/** Runs the CLI as a child process with tsx and collects its output. */
export function runCliProcess(args: string[], options: CliRunOptions = {}): Promise<CliRun> {
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? tmpdir(),
    ORDERFLOW_DATA_DIR: emptyDataDir,
    ...options.env,
  };
  const child = spawn(process.execPath, ['--import', tsxLoader, CLI_MAIN, ...args], {
    cwd: options.cwd ?? packageDir,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });

  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (text: string) => {
    stdout += text;
    options.onStdout?.(text);
  });
  child.stderr.setEncoding('utf8').on('data', (text: string) => {
    stderr += text;
  });
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}
