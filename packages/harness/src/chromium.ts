import { existsSync, readdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/** Raised when no Chromium binary can be found. */
export class ChromiumNotFoundError extends Error {
  override name = 'ChromiumNotFoundError';

  constructor() {
    super(
      'Chromium was not found. Install it with `apt-get install -y chromium` (Debian), ' +
        'or set CHROMIUM_PATH to a Chromium or Chrome binary.',
    );
  }
}

function playwrightChromium(): string | undefined {
  const root = process.env.PLAYWRIGHT_BROWSERS_PATH ?? join(homedir(), '.cache', 'ms-playwright');
  if (!existsSync(root)) return undefined;
  const builds = readdirSync(root)
    .filter((name) => name.startsWith('chromium-'))
    .sort()
    .reverse();
  for (const build of builds) {
    for (const relative of ['chrome-linux64/chrome', 'chrome-linux/chrome']) {
      const candidate = join(root, build, relative);
      if (existsSync(candidate)) return candidate;
    }
  }
  return undefined;
}

/** Finds Chromium: CHROMIUM_PATH, then a Playwright-installed build, then Debian's `/usr/bin/chromium`. */
export function resolveChromium(): string {
  const configured = process.env.CHROMIUM_PATH;
  if (configured) {
    if (!existsSync(configured)) throw new Error(`CHROMIUM_PATH=${configured} does not exist`);
    return configured;
  }
  const found =
    playwrightChromium() ?? ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find(existsSync);
  if (!found) throw new ChromiumNotFoundError();
  return found;
}

/**
 * Launch arguments that keep a test or demo Chromium on this machine. Chromium 156 resolves
 * Google hosts even with background networking off, so every host name except 127.0.0.1 and
 * the given test host names is mapped to "not found".
 */
export function confinedChromiumArgs(allowedHosts: string[] = []): string[] {
  const excluded = ['127.0.0.1', ...allowedHosts].map((host) => `EXCLUDE ${host}`).join(', ');
  return [`--host-resolver-rules=MAP * ~NOTFOUND, ${excluded}`];
}
