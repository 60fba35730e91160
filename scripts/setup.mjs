#!/usr/bin/env node
// Prepares a fresh Debian machine for Orderflow: pnpm, the locked dependencies, and the
// nats-server and Chromium binaries. Uses only Node built-ins because it runs before
// `pnpm install`. Safe to run again: each step checks before it acts.
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join, relative, resolve } from 'node:path';

const PNPM_VERSION = '10.34.9';
/** The services that have an image, each deployed with `pnpm deploy` in its Dockerfile. */
const SERVICES = ['gateway', 'importer', 'scheduler', 'browser-worker'];
/** Records the lockfile whose production dependencies are in pnpm's metadata cache. */
const DEPLOY_METADATA_MARKER = join('node_modules', '.orderflow-deploy-metadata');
const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive', TURBO_TELEMETRY_DISABLED: '1' };

function log(message) {
  process.stdout.write(`[setup] ${message}\n`);
}

function fail(message) {
  process.stderr.write(`[setup] ${message}\n`);
  process.exit(1);
}

function run(command, args) {
  log(`$ ${command} ${args.join(' ')}`);
  const result = spawnSync(command, args, { stdio: 'inherit', env });
  if (result.status !== 0) {
    fail(`'${command} ${args.join(' ')}' failed with exit code ${result.status ?? result.signal}`);
  }
}

function findOnPath(name) {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const candidate = join(dir, name);
    if (dir && existsSync(candidate)) return candidate;
  }
  for (const dir of ['/usr/sbin', '/usr/bin', '/usr/local/bin']) {
    const candidate = join(dir, name);
    if (existsSync(candidate)) return candidate;
  }
  return undefined;
}

function pnpmVersion() {
  try {
    return execFileSync('pnpm', ['--version'], { env, encoding: 'utf8' }).trim();
  } catch {
    return undefined;
  }
}

let aptUpdated = false;
function aptInstall(pkg, why) {
  if (!isRoot) {
    fail(
      `${why} is missing. Install it with: sudo apt-get update && sudo apt-get install -y ${pkg}`,
    );
  }
  if (!aptUpdated) {
    run('apt-get', ['update']);
    aptUpdated = true;
  }
  run('apt-get', ['install', '-y', '--no-install-recommends', pkg]);
}

function ensurePnpm() {
  if (pnpmVersion() === PNPM_VERSION) return;
  run('npm', ['install', '--global', `pnpm@${PNPM_VERSION}`]);
  if (pnpmVersion() !== PNPM_VERSION) {
    fail(`pnpm ${PNPM_VERSION} is not on PATH after installing it; add npm's global bin folder`);
  }
}

function ensureNatsServer() {
  if (process.env.NATS_SERVER_BIN) {
    if (!existsSync(process.env.NATS_SERVER_BIN)) {
      fail(`NATS_SERVER_BIN=${process.env.NATS_SERVER_BIN} does not exist`);
    }
    return;
  }
  if (!findOnPath('nats-server')) aptInstall('nats-server', 'nats-server (NATS with JetStream)');
}

function ensureChromium() {
  if (process.env.CHROMIUM_PATH) {
    if (!existsSync(process.env.CHROMIUM_PATH)) {
      fail(`CHROMIUM_PATH=${process.env.CHROMIUM_PATH} does not exist`);
    }
    return;
  }
  if (!findOnPath('chromium')) aptInstall('chromium', 'Chromium');
}

/**
 * Removes the empty `node_modules/.bin` that pnpm 10's legacy deploy also writes for a target
 * folder, at the target's path relative to the repository joined to the service's folder. It
 * lands inside the checkout, so it goes with the target, and so does its parent once empty.
 */
function removeStrayBinFolder(service, target) {
  const stray = join(resolve('services', service), relative(process.cwd(), target));
  if (!stray.startsWith(`${process.cwd()}/`)) return;
  rmSync(stray, { recursive: true, force: true });
  if (existsSync(dirname(stray)) && readdirSync(dirname(stray)).length === 0) {
    rmdirSync(dirname(stray));
  }
}

/**
 * Fills pnpm's metadata cache with the production dependencies of every service. The image
 * builds run `pnpm deploy --legacy --offline`, and deploy/test runs the same command without
 * network, which resolves versions from that cache. A frozen-lockfile install leaves the cache
 * empty on a fresh machine, so each service is deployed once here, online, into a folder that
 * is then removed. Runs again only when the lockfile changes.
 */
function warmDeployMetadata() {
  const lockfileHash = createHash('sha256').update(readFileSync('pnpm-lock.yaml')).digest('hex');
  if (existsSync(DEPLOY_METADATA_MARKER)) {
    if (readFileSync(DEPLOY_METADATA_MARKER, 'utf8').trim() === lockfileHash) return;
  }
  for (const service of SERVICES) {
    const target = mkdtempSync(join(tmpdir(), 'orderflow-deploy-metadata-'));
    const app = join(target, 'app');
    try {
      run('pnpm', [
        '--filter',
        `@orderflow/${service}`,
        '--prod',
        'deploy',
        '--legacy',
        '--prefer-offline',
        app,
      ]);
    } finally {
      rmSync(target, { recursive: true, force: true });
      removeStrayBinFolder(service, target);
    }
  }
  writeFileSync(DEPLOY_METADATA_MARKER, `${lockfileHash}\n`);
}

ensurePnpm();
run('pnpm', ['install', '--frozen-lockfile', '--prefer-offline']);
warmDeployMetadata();
ensureNatsServer();
ensureChromium();
log('ready');
