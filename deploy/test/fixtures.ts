import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CONSUMERS, WORK_STREAM } from '@orderflow/contracts';
import { afterEach } from 'vitest';
import {
  buildKustomization,
  type EnvironmentOptions,
  findServiceContainer,
  type KubernetesObject,
} from '../src/index';

export const DEPLOY_DIR = fileURLToPath(new URL('..', import.meta.url));
export const REPOSITORY_DIR = join(DEPLOY_DIR, '..');
export const K8S_DIR = join(DEPLOY_DIR, 'k8s');
export const OVERLAYS = ['dev', 'prod'] as const;
export type OverlayName = (typeof OVERLAYS)[number];

/**
 * Secrets that operators create by hand in each overlay (docs/deploy.md), with their keys. In
 * prod, DATABASE_URL comes from the Secret that CloudNativePG writes.
 */
export const EXTERNAL_SECRETS: Record<OverlayName, Record<string, readonly string[]>> = {
  dev: {},
  prod: { 'orderflow-secrets': ['API_TOKENS'] },
};

export const WORK_QUEUE = { stream: WORK_STREAM.name, consumer: CONSUMERS.browserWorkers };

/** Builds an overlay afresh, so a test may change the objects it gets. */
export function renderOverlay(overlay: OverlayName): KubernetesObject[] {
  return buildKustomization(join(K8S_DIR, 'overlays', overlay));
}

export function environmentOptions(overlay: OverlayName): EnvironmentOptions {
  return { externalSecrets: EXTERNAL_SECRETS[overlay] };
}

/** A manifest as tests edit it: any field may be read or changed. */
// biome-ignore lint/suspicious/noExplicitAny: tests reach into arbitrary manifest fields.
export type Manifest = any;

/** Returns the object of a kind and name, failing the test when it is missing. */
export function getObject(objects: KubernetesObject[], kind: string, name: string) {
  const object = objects.find((item) => item.kind === kind && item.metadata.name === name);
  if (!object) throw new Error(`${kind}/${name} is not in the render`);
  return object as KubernetesObject & { spec: Manifest; data?: Record<string, string> };
}

/** Host of the NATS headless Service that the NATS_URL of the scheduler points at. */
export function natsHeadlessHost(objects: KubernetesObject[], overlay: OverlayName): string {
  const scheduler = findServiceContainer(objects, 'scheduler', environmentOptions(overlay));
  const natsUrl = new URL(scheduler?.setting('NATS_URL') ?? 'nats://missing');
  const namespace = scheduler?.deployment.metadata.namespace;
  return `${natsUrl.hostname}-headless.${namespace}.svc.cluster.local`;
}

/** Lists the files under a folder, recursively, whose names end with one of the suffixes. */
export function listFiles(directory: string, suffixes: string[]): string[] {
  return readdirSync(directory).flatMap((entry) => {
    const path = join(directory, entry);
    if (statSync(path).isDirectory()) return listFiles(path, suffixes);
    return suffixes.some((suffix) => entry.endsWith(suffix)) ? [path] : [];
  });
}

const temporaryDirectories: string[] = [];

/** Creates a temporary directory that is removed after the current test. */
export function temporaryDirectory(): string {
  const directory = mkdtempSync(join(tmpdir(), 'orderflow-deploy-'));
  temporaryDirectories.push(directory);
  return directory;
}

afterEach(() => {
  for (const directory of temporaryDirectories.splice(0)) {
    rmSync(directory, { recursive: true, force: true });
  }
});
