import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmdirSync, rmSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseDockerfile, SERVICES } from '../src/index';
import { DEPLOY_DIR, REPOSITORY_DIR, temporaryDirectory } from './fixtures';

const TSX = join(REPOSITORY_DIR, 'node_modules', '.bin', 'tsx');

/**
 * Builds the Dockerfile's `pnpm ... deploy` command for a local run. The copy goes to `target`,
 * and packages come from the local pnpm store instead of the image's cache mount. --offline
 * stays, so the command never downloads.
 */
function deployCommandOf(service: string, target: string): string {
  const file = join(DEPLOY_DIR, 'docker', `${service}.Dockerfile`);
  const run = parseDockerfile(readFileSync(file, 'utf8')).find(
    (instruction) => instruction.keyword === 'RUN' && /\bpnpm\b.*\bdeploy\b/.test(instruction.args),
  );
  if (!run) throw new Error(`${file} has no RUN with pnpm deploy`);
  const command = run.args
    .split(' ')
    .filter((word) => !word.startsWith('--mount='))
    .join(' ')
    .replace('--store-dir /pnpm/store', '')
    .replace(/ \/app$/, ` ${target}`);
  expect(command).toMatch(/^pnpm --filter @orderflow\/\S+ --prod deploy .*--offline/);
  return command;
}

/** Imports a module inside the deployed folder, so every import resolves from its node_modules. */
function importInside(appDir: string, module: string): string {
  return execFileSync(TSX, ['--eval', `import('${module}').then(() => console.log('imported'))`], {
    cwd: appDir,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/**
 * Returns where pnpm 10's legacy deploy also writes an empty `node_modules/.bin` for a target
 * folder: the target's path relative to the repository, joined to the service's folder.
 */
function strayBinFolder(service: string, target: string): string {
  return join(REPOSITORY_DIR, 'services', service, relative(REPOSITORY_DIR, target));
}

function deploy(service: string): string {
  const target = temporaryDirectory();
  const appDir = join(target, 'app');
  try {
    execFileSync('sh', ['-c', deployCommandOf(service, appDir)], {
      cwd: REPOSITORY_DIR,
      env: { ...process.env, CI: 'true' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  } finally {
    // Keeps the checkout clean; the stray folder is outside the temporary one.
    const stray = strayBinFolder(service, target);
    if (stray.startsWith(`${REPOSITORY_DIR}/`)) {
      rmSync(stray, { recursive: true, force: true });
      if (readdirSync(dirname(stray)).length === 0) rmdirSync(dirname(stray));
    }
  }
  return appDir;
}

describe.each(SERVICES)('%s image install', (service) => {
  it('runs with production dependencies only', () => {
    const appDir = deploy(service);
    const manifest = JSON.parse(readFileSync(join(appDir, 'package.json'), 'utf8'));

    expect(manifest.name).toBe(`@orderflow/${service}`);
    expect(existsSync(join(appDir, 'src', 'main.ts'))).toBe(true);
    for (const name of Object.keys(manifest.devDependencies ?? {})) {
      if (name in (manifest.dependencies ?? {})) continue;
      expect(existsSync(join(appDir, 'node_modules', name)), name).toBe(false);
    }
    expect(importInside(appDir, './src/index.ts')).toContain('imported');
  });
});

describe('import check', () => {
  it('fails when a runtime dependency is missing', () => {
    const appDir = deploy('scheduler');
    rmSync(join(appDir, 'node_modules', 'zod'), { recursive: true, force: true });

    expect(() => importInside(appDir, './src/index.ts')).toThrow(/zod/);
  });
});
