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

process.exitCode = await runCli({
  argv: process.argv.slice(2),
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  cwd,
  rootDir,
});
