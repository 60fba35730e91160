import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCli } from './cli';

const rootDir = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

// `pnpm orderflow` runs the script from the repository root; INIT_CWD keeps the directory the
// user typed the command in, so that relative file paths mean what the user expects.
const cwd =
  process.env.npm_lifecycle_event === 'orderflow' && process.env.INIT_CWD
    ? process.env.INIT_CWD
    : process.cwd();

/** Exit status after Ctrl-C, 128 plus the signal number as shells report it. */
const INTERRUPTED_EXIT_CODE = 130;

// Ctrl-C during `watch` would leave the shell prompt right after the redrawn progress line.
process.once('SIGINT', () => {
  if (process.stdout.isTTY) process.stdout.write('\n');
  process.exit(INTERRUPTED_EXIT_CODE);
});

process.exitCode = await runCli({
  argv: process.argv.slice(2),
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  cwd,
  rootDir,
});
