import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  type BrowserImageExpectations,
  checkDockerfile,
  containersOf,
  parseDockerfile,
  SERVICES,
  serviceOfImage,
  stagesOf,
} from '../src/index';
import {
  DEPLOY_DIR,
  getObject,
  OVERLAYS,
  REPOSITORY_DIR,
  renderOverlay,
  temporaryDirectory,
} from './fixtures';

const dockerfileOf = (service: string) => join(DEPLOY_DIR, 'docker', `${service}.Dockerfile`);

const BROWSER_IMAGE: BrowserImageExpectations = {
  packages: ['chromium', 'fonts-noto-cjk', 'tini'],
  env: { CHROMIUM_PATH: '/usr/bin/chromium' },
};

describe('service images', () => {
  it.each(SERVICES)('%s Dockerfile passes the image checks', (service) => {
    const expectations = service === 'browser-worker' ? BROWSER_IMAGE : undefined;

    expect(checkDockerfile(dockerfileOf(service), service, expectations)).toEqual([]);
  });

  it.each(OVERLAYS)('%s overlay runs only images that have a Dockerfile', (overlay) => {
    const services = renderOverlay(overlay)
      .flatMap(containersOf)
      .map((container) => serviceOfImage(String(container.image)))
      .filter((service) => service !== undefined);

    expect(new Set(services)).toEqual(new Set(SERVICES));
    for (const service of services) expect(existsSync(dockerfileOf(service)), service).toBe(true);
  });

  it('gives the worker the Chromium path its ConfigMap names', () => {
    const configured = getObject(renderOverlay('prod'), 'ConfigMap', 'browser-worker-config').data!
      .CHROMIUM_PATH;

    expect(configured).toBe(BROWSER_IMAGE.env.CHROMIUM_PATH);
  });

  it('lets Chromium use /dev/shm and start without user namespaces', () => {
    const dockerfile = readFileSync(dockerfileOf('browser-worker'), 'utf8');

    expect(dockerfile).toContain('rm /etc/chromium.d/dev-shm');
    expect(dockerfile).toContain(
      `'unshare --user true 2>/dev/null || CHROMIUM_FLAGS="$CHROMIUM_FLAGS --no-sandbox"'`,
    );
  });

  it('keeps installs, data and version control out of the build context', () => {
    const patterns = readFileSync(join(REPOSITORY_DIR, '.dockerignore'), 'utf8').split('\n');

    expect(patterns).toContain('**/node_modules');
    expect(patterns).toContain('**/.data');
    expect(patterns).toContain('.git');
  });
});

describe('checkDockerfile', () => {
  function problemsOf(text: string, expectations?: BrowserImageExpectations): string[] {
    const file = join(temporaryDirectory(), 'test.Dockerfile');
    writeFileSync(file, text);
    return checkDockerfile(file, 'gateway', expectations);
  }

  const good = readFileSync(dockerfileOf('gateway'), 'utf8');

  it('reports a single-stage build on a floating tag', () => {
    const problems = problemsOf(
      'FROM node:20\nRUN pnpm --filter @orderflow/gateway --prod deploy --legacy /app\nUSER 1000\nENTRYPOINT ["tini", "--"]\n',
    );

    expect(problems.join('\n')).toMatch(/not a multi-stage build/);
    expect(problems.join('\n')).toMatch(/uses tag "20", which can move/);
    expect(problems.join('\n')).toMatch(/copies nothing from a build stage/);
  });

  it('reports an image that stays root', () => {
    const problems = problemsOf(good.replace('USER 1000:1000', 'USER root'));

    expect(problems).toEqual([
      expect.stringMatching(/the final stage does not switch to a non-root USER$/),
    ]);
  });

  it('reports a user name that Kubernetes cannot check', () => {
    const problems = problemsOf(good.replace('USER 1000:1000', 'USER node'));

    expect(problems.join('\n')).toMatch(/USER node is not numeric/);
  });

  it('reports Node as PID 1', () => {
    const problems = problemsOf(
      good.replace('ENTRYPOINT ["/usr/bin/tini", "--"]', 'ENTRYPOINT ["node"]'),
    );

    expect(problems.join('\n')).toMatch(/ENTRYPOINT is not an init process/);
  });

  it('reports an install with development dependencies', () => {
    const problems = problemsOf(good.replace('--prod deploy', 'deploy'));

    expect(problems.join('\n')).toMatch(/production dependencies only/);
  });

  it('reports a browser image without CJK fonts', () => {
    const problems = problemsOf(good, BROWSER_IMAGE);

    expect(problems.join('\n')).toMatch(/does not install the Debian package chromium/);
    expect(problems.join('\n')).toMatch(/does not install the Debian package fonts-noto-cjk/);
    expect(problems.join('\n')).toMatch(/does not set CHROMIUM_PATH=\/usr\/bin\/chromium/);
  });
});

describe('parseDockerfile', () => {
  it('joins continuation lines and skips comments', () => {
    const instructions = parseDockerfile(
      '# syntax=docker/dockerfile:1\nFROM a:1.0.0 AS build\nRUN one \\\n  # a comment\n  two\nFROM b:2.0.0\nCOPY --from=build /x /y\n',
    );

    expect(instructions).toEqual([
      { keyword: 'FROM', args: 'a:1.0.0 AS build', line: 2 },
      { keyword: 'RUN', args: 'one two', line: 3 },
      { keyword: 'FROM', args: 'b:2.0.0', line: 6 },
      { keyword: 'COPY', args: '--from=build /x /y', line: 7 },
    ]);
    expect(stagesOf(instructions).map((stage) => stage.alias)).toEqual(['build', undefined]);
  });
});
