import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import {
  applyJsonPatch,
  applyStrategicMergePatch,
  buildKustomization,
  findKustomizationFile,
  KustomizeError,
  PatchError,
  readKustomization,
} from '../src/index';
import {
  K8S_DIR,
  listFiles,
  type Manifest,
  OVERLAYS,
  renderOverlay,
  temporaryDirectory,
} from './fixtures';

function kubectlKustomize(directory: string): unknown[] | undefined {
  try {
    const output = execFileSync('kubectl', ['kustomize', directory], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return parseAllDocuments(output).map((document) => document.toJS());
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

const hasKubectl = kubectlKustomize(join(K8S_DIR, 'postgres')) !== undefined;

function writeFiles(directory: string, files: Record<string, string>): void {
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(join(directory, name, '..'), { recursive: true });
    writeFileSync(join(directory, name), content);
  }
}

const CONFIG_MAP = `apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
data:
  LOG_LEVEL: info
`;

describe('kustomize structure', () => {
  it.each(OVERLAYS)('%s overlay builds on the base', (overlay) => {
    const kustomization = readKustomization(join(K8S_DIR, 'overlays', overlay));

    expect(kustomization.resources).toContain('../../base');
    expect(kustomization.namespace).toBe('orderflow');
  });

  it('lists only existing resources', () => {
    const directories = listFiles(K8S_DIR, ['kustomization.yaml']).map((file) => join(file, '..'));

    expect(directories.length).toBeGreaterThanOrEqual(4);
    for (const directory of directories) {
      for (const entry of readKustomization(directory).resources ?? []) {
        const path = resolve(directory, entry);
        expect(
          listFiles(K8S_DIR, ['.yaml']).includes(path) || findKustomizationFile(path),
          `${directory}: ${entry}`,
        ).toBeTruthy();
      }
    }
  });

  it('leaves no manifest in the base unlisted', () => {
    const base = join(K8S_DIR, 'base');
    const listed = new Set(readKustomization(base).resources);

    const files = listFiles(base, ['.yaml']).map((file) => relative(base, file));

    expect(files.filter((file) => file !== 'kustomization.yaml' && !listed.has(file))).toEqual([]);
  });

  it.skipIf(!hasKubectl).each(OVERLAYS)('%s render equals kubectl kustomize', (overlay) => {
    const expected = kubectlKustomize(join(K8S_DIR, 'overlays', overlay)) ?? [];
    const key = (object: Manifest) => `${object.kind}/${object.metadata.name}`;
    const actual = new Map(renderOverlay(overlay).map((object) => [key(object), object]));

    expect([...actual.keys()].sort()).toEqual(expected.map(key).sort());
    for (const object of expected) {
      expect(isDeepStrictEqual(actual.get(key(object)), object), key(object)).toBe(true);
    }
  });
});

describe('buildKustomization', () => {
  const header = 'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n';

  it('rejects a missing resource', () => {
    const directory = temporaryDirectory();
    writeFiles(directory, { 'kustomization.yaml': `${header}resources:\n  - missing.yaml\n` });

    expect(() => buildKustomization(directory)).toThrow(/resource missing.yaml does not exist/);
  });

  it('rejects a resource file outside its directory', () => {
    const directory = temporaryDirectory();
    writeFiles(directory, {
      'shared/settings.yaml': CONFIG_MAP,
      'overlay/kustomization.yaml': `${header}resources:\n  - ../shared/settings.yaml\n`,
    });

    expect(() => buildKustomization(join(directory, 'overlay'))).toThrow(
      /outside the kustomization directory/,
    );
  });

  it('rejects a field it does not implement', () => {
    const directory = temporaryDirectory();
    writeFiles(directory, {
      'kustomization.yaml': `${header}commonLabels:\n  team: orders\nresources:\n  - settings.yaml\n`,
      'settings.yaml': CONFIG_MAP,
    });

    expect(() => buildKustomization(directory)).toThrow(KustomizeError);
    expect(() => buildKustomization(directory)).toThrow(/commonLabels/);
  });

  it('rejects a patch that matches nothing', () => {
    const directory = temporaryDirectory();
    writeFiles(directory, {
      'kustomization.yaml': `${header}resources:\n  - settings.yaml\npatches:\n  - path: patch.yaml\n`,
      'settings.yaml': CONFIG_MAP,
      'patch.yaml':
        'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: setings\ndata:\n  LOG_LEVEL: debug\n',
    });

    expect(() => buildKustomization(directory)).toThrow(/no resource matches ConfigMap\/setings/);
  });

  it('rejects an object defined twice', () => {
    const directory = temporaryDirectory();
    writeFiles(directory, {
      'kustomization.yaml': `${header}resources:\n  - a.yaml\n  - b.yaml\n`,
      'a.yaml': CONFIG_MAP,
      'b.yaml': CONFIG_MAP,
    });

    expect(() => buildKustomization(directory)).toThrow(/defined twice/);
  });

  it('applies patches, images, replicas and the namespace', () => {
    const directory = temporaryDirectory();
    writeFiles(directory, {
      'base/kustomization.yaml': `${header}resources:\n  - app.yaml\n`,
      'base/app.yaml': `apiVersion: apps/v1
kind: Deployment
metadata:
  name: app
spec:
  replicas: 1
  template:
    spec:
      containers:
        - name: app
          image: orderflow/app:1.0.0
          env:
            - name: A
              value: "1"
`,
      'overlay/kustomization.yaml': `${header}namespace: shop
resources:
  - ../base
images:
  - name: orderflow/app
    newName: registry.example.com/orderflow/app
    newTag: 1.2.3
replicas:
  - name: app
    count: 4
patches:
  - path: env.yaml
`,
      'overlay/env.yaml': `apiVersion: apps/v1
kind: Deployment
metadata:
  name: app
spec:
  template:
    spec:
      containers:
        - name: app
          env:
            - name: B
              value: "2"
`,
    });

    const [deployment] = buildKustomization(join(directory, 'overlay')) as Manifest[];

    expect(deployment.metadata.namespace).toBe('shop');
    expect(deployment.spec.replicas).toBe(4);
    expect(deployment.spec.template.spec.containers[0].image).toBe(
      'registry.example.com/orderflow/app:1.2.3',
    );
    expect(deployment.spec.template.spec.containers[0].env).toEqual([
      { name: 'A', value: '1' },
      { name: 'B', value: '2' },
    ]);
  });
});

describe('patches', () => {
  const deployment = {
    spec: {
      template: {
        spec: {
          containers: [{ name: 'app', args: ['a', 'b'], env: [{ name: 'A', value: '1' }] }],
        },
      },
    },
  };

  it('merge pod lists by key', () => {
    const patched = applyStrategicMergePatch(deployment, {
      spec: {
        template: {
          spec: {
            containers: [{ name: 'app', args: ['c'], env: [{ name: 'A', value: '9' }] }],
          },
        },
      },
    }) as typeof deployment;

    expect(patched.spec.template.spec.containers).toEqual([
      { name: 'app', args: ['c'], env: [{ name: 'A', value: '9' }] },
    ]);
  });

  it('remove a key set to null', () => {
    const patched = applyStrategicMergePatch({ data: { A: '1', B: '2' } }, { data: { A: null } });

    expect(patched).toEqual({ data: { B: '2' } });
  });

  it('reject patch directives', () => {
    expect(() => applyStrategicMergePatch(deployment, { spec: { $patch: 'replace' } })).toThrow(
      PatchError,
    );
  });

  it('apply JSON patch operations in order', () => {
    const patched = applyJsonPatch(deployment, [
      { op: 'test', path: '/spec/template/spec/containers/0/name', value: 'app' },
      { op: 'add', path: '/spec/template/spec/containers/0/args/-', value: 'z' },
      { op: 'remove', path: '/spec/template/spec/containers/0/args/0' },
      { op: 'replace', path: '/spec/template/spec/containers/0/env/0/value', value: '2' },
    ]) as typeof deployment;

    expect(patched.spec.template.spec.containers[0]).toEqual({
      name: 'app',
      args: ['b', 'z'],
      env: [{ name: 'A', value: '2' }],
    });
    expect(deployment.spec.template.spec.containers[0]!.args).toEqual(['a', 'b']);
  });

  it('stop at a failed JSON patch test', () => {
    expect(() =>
      applyJsonPatch(deployment, [
        { op: 'test', path: '/spec/template/spec/containers/0/name', value: 'web' },
      ]),
    ).toThrow(/test of .* failed/);
  });

  it('reject a JSON patch path that does not exist', () => {
    expect(() =>
      applyJsonPatch(deployment, [{ op: 'replace', path: '/spec/replicas', value: 3 }]),
    ).toThrow(/does not exist/);
  });
});
