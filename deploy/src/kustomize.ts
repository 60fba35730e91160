import { existsSync, statSync } from 'node:fs';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { z } from 'zod';
import {
  describeObject,
  isRecord,
  type KubernetesObject,
  readObjects,
  readYamlDocuments,
} from './objects';
import { applyJsonPatch, applyStrategicMergePatch } from './patch';

/** Raised when a kustomization cannot be built; the message names the file and the entry. */
export class KustomizeError extends Error {
  override name = 'KustomizeError';
}

const KUSTOMIZATION_FILE_NAMES = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'];

/** Kinds without a namespace, which the namespace transformer leaves alone. */
const CLUSTER_SCOPED_KINDS = new Set([
  'Namespace',
  'ClusterRole',
  'ClusterRoleBinding',
  'CustomResourceDefinition',
  'PersistentVolume',
  'StorageClass',
  'PriorityClass',
]);

const WORKLOAD_KINDS = new Set(['Deployment', 'StatefulSet', 'ReplicaSet']);

const patchTargetSchema = z.strictObject({
  group: z.string().optional(),
  version: z.string().optional(),
  kind: z.string().optional(),
  name: z.string().optional(),
  namespace: z.string().optional(),
});

/**
 * The kustomization fields this resolver implements. Any other field is rejected, so a
 * kustomization never builds here with a field silently ignored.
 */
const kustomizationSchema = z.strictObject({
  apiVersion: z.literal('kustomize.config.k8s.io/v1beta1'),
  kind: z.literal('Kustomization'),
  namespace: z.string().optional(),
  resources: z.array(z.string()).optional(),
  images: z
    .array(
      z.strictObject({
        name: z.string(),
        newName: z.string().optional(),
        newTag: z.string().optional(),
        digest: z.string().optional(),
      }),
    )
    .optional(),
  replicas: z
    .array(z.strictObject({ name: z.string(), count: z.number().int().min(0) }))
    .optional(),
  patches: z
    .array(z.strictObject({ path: z.string(), target: patchTargetSchema.optional() }))
    .optional(),
});

/** A parsed kustomization file. */
export type Kustomization = z.infer<typeof kustomizationSchema>;
type PatchTarget = z.infer<typeof patchTargetSchema>;
type ImageRule = NonNullable<Kustomization['images']>[number];

/** Returns the kustomization file of a directory, or undefined when it has none. */
export function findKustomizationFile(directory: string): string | undefined {
  return KUSTOMIZATION_FILE_NAMES.map((name) => join(directory, name)).find((file) =>
    existsSync(file),
  );
}

/** Reads and checks the kustomization file of a directory. */
export function readKustomization(directory: string): Kustomization {
  const file = findKustomizationFile(directory);
  if (!file) throw new KustomizeError(`${directory} has no kustomization.yaml`);
  const [document] = readYamlDocuments(file);
  const result = kustomizationSchema.safeParse(document);
  if (!result.success) {
    const problems = result.error.issues.map(
      (issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`,
    );
    throw new KustomizeError(
      `${file}: unsupported or invalid kustomization: ${problems.join('; ')}`,
    );
  }
  return result.data;
}

function isInside(root: string, path: string): boolean {
  const relation = relative(root, path);
  return relation === '' || (!relation.startsWith('..') && !isAbsolute(relation));
}

function loadResources(directory: string, kustomization: Kustomization): KubernetesObject[] {
  const objects: KubernetesObject[] = [];
  for (const entry of kustomization.resources ?? []) {
    const path = resolve(directory, entry);
    if (!existsSync(path)) {
      throw new KustomizeError(`${directory}: resource ${entry} does not exist`);
    }
    if (statSync(path).isDirectory()) {
      objects.push(...buildKustomization(path));
      continue;
    }
    // Like kustomize's default load restrictor: files come from the kustomization's own tree,
    // other trees only as kustomization directories.
    if (!isInside(directory, path)) {
      throw new KustomizeError(
        `${directory}: resource file ${entry} lies outside the kustomization directory; reference its directory's kustomization instead`,
      );
    }
    objects.push(...readObjects(path));
  }
  return objects;
}

function matchesTarget(object: KubernetesObject, target: PatchTarget): boolean {
  const [group, version] = object.apiVersion.includes('/')
    ? object.apiVersion.split('/')
    : ['', object.apiVersion];
  return (
    (target.kind === undefined || target.kind === object.kind) &&
    (target.name === undefined || target.name === object.metadata.name) &&
    (target.namespace === undefined || target.namespace === object.metadata.namespace) &&
    (target.group === undefined || target.group === group) &&
    (target.version === undefined || target.version === version)
  );
}

function applyPatchFile(
  directory: string,
  objects: KubernetesObject[],
  patch: NonNullable<Kustomization['patches']>[number],
): KubernetesObject[] {
  const file = resolve(directory, patch.path);
  if (!existsSync(file))
    throw new KustomizeError(`${directory}: patch ${patch.path} does not exist`);
  const [content] = readYamlDocuments(file);

  if (Array.isArray(content)) {
    if (!patch.target) {
      throw new KustomizeError(`${file}: a JSON patch needs a target in the kustomization`);
    }
    const target = patch.target;
    const matches = objects.filter((object) => matchesTarget(object, target));
    if (matches.length === 0) {
      throw new KustomizeError(`${file}: no resource matches target ${JSON.stringify(target)}`);
    }
    return objects.map((object) =>
      matchesTarget(object, target)
        ? (applyJsonPatch(object, content) as KubernetesObject)
        : object,
    );
  }

  if (!isRecord(content) || !isRecord(content.metadata)) {
    throw new KustomizeError(`${file}: a strategic merge patch must be an object with metadata`);
  }
  const target: PatchTarget = patch.target ?? {
    kind: String(content.kind),
    name: String(content.metadata.name),
  };
  const matches = objects.filter((object) => matchesTarget(object, target));
  if (matches.length === 0) {
    throw new KustomizeError(`${file}: no resource matches ${target.kind}/${target.name}`);
  }
  return objects.map((object) =>
    matchesTarget(object, target)
      ? (applyStrategicMergePatch(object, content) as KubernetesObject)
      : object,
  );
}

/** Splits `name[:tag][@digest]`; a colon inside the registry host (a port) is not a tag. */
export function splitImage(image: string): { name: string; tag?: string; digest?: string } {
  const [withoutDigest, digest] = image.split('@', 2) as [string, string | undefined];
  const lastSlash = withoutDigest.lastIndexOf('/');
  const lastColon = withoutDigest.lastIndexOf(':');
  const hasTag = lastColon > lastSlash;
  return {
    name: hasTag ? withoutDigest.slice(0, lastColon) : withoutDigest,
    ...(hasTag ? { tag: withoutDigest.slice(lastColon + 1) } : {}),
    ...(digest ? { digest } : {}),
  };
}

function rewriteImage(image: string, rule: ImageRule): string {
  const current = splitImage(image);
  const name = rule.newName ?? current.name;
  if (rule.digest) return `${name}@${rule.digest}`;
  const tag = rule.newTag ?? current.tag;
  const digest = rule.newTag ? undefined : current.digest;
  return `${name}${tag ? `:${tag}` : ''}${digest ? `@${digest}` : ''}`;
}

/** Returns the pod spec of a Pod, a workload or a Job, or undefined for other kinds. */
export function podSpecOf(object: KubernetesObject): Record<string, unknown> | undefined {
  if (object.kind === 'Pod') return isRecord(object.spec) ? object.spec : undefined;
  const spec = object.spec;
  if (!isRecord(spec)) return undefined;
  const template = object.kind === 'CronJob' ? jobTemplateOf(spec) : spec.template;
  return isRecord(template) && isRecord(template.spec) ? template.spec : undefined;
}

function jobTemplateOf(spec: Record<string, unknown>): unknown {
  const jobTemplate = spec.jobTemplate;
  return isRecord(jobTemplate) && isRecord(jobTemplate.spec)
    ? jobTemplate.spec.template
    : undefined;
}

/** Returns the containers and init containers of an object's pod spec. */
export function containersOf(object: KubernetesObject): Array<Record<string, unknown>> {
  const podSpec = podSpecOf(object);
  if (!podSpec) return [];
  const lists = [podSpec.initContainers, podSpec.containers];
  return lists.flatMap((list) => (Array.isArray(list) ? list.filter(isRecord) : []));
}

function applyImages(objects: KubernetesObject[], rules: ImageRule[]): void {
  for (const object of objects) {
    for (const container of containersOf(object)) {
      if (typeof container.image !== 'string') continue;
      const imageName = splitImage(container.image).name;
      const rule = rules.find((candidate) => candidate.name === imageName);
      if (rule) container.image = rewriteImage(container.image, rule);
    }
  }
}

function applyReplicas(
  directory: string,
  objects: KubernetesObject[],
  rules: NonNullable<Kustomization['replicas']>,
): void {
  for (const rule of rules) {
    const targets = objects.filter(
      (object) => WORKLOAD_KINDS.has(object.kind) && object.metadata.name === rule.name,
    );
    if (targets.length === 0) {
      throw new KustomizeError(`${directory}: replicas entry ${rule.name} matches no workload`);
    }
    for (const target of targets) {
      if (isRecord(target.spec)) target.spec.replicas = rule.count;
    }
  }
}

function rejectDuplicates(directory: string, objects: KubernetesObject[]): void {
  const seen = new Set<string>();
  for (const object of objects) {
    const id = `${object.apiVersion} ${describeObject(object)}`;
    if (seen.has(id)) throw new KustomizeError(`${directory}: ${id} is defined twice`);
    seen.add(id);
  }
}

/**
 * Builds a kustomization directory offline, like `kustomize build`, for the fields listed in
 * kustomizationSchema: resources (files and kustomization directories), patches (strategic
 * merge and JSON 6902), replicas, images and namespace.
 */
export function buildKustomization(directory: string): KubernetesObject[] {
  const kustomization = readKustomization(directory);
  let objects = loadResources(directory, kustomization);
  rejectDuplicates(directory, objects);

  for (const patch of kustomization.patches ?? []) {
    objects = applyPatchFile(directory, objects, patch);
  }
  applyReplicas(directory, objects, kustomization.replicas ?? []);
  applyImages(objects, kustomization.images ?? []);
  if (kustomization.namespace) {
    for (const object of objects) {
      if (!CLUSTER_SCOPED_KINDS.has(object.kind))
        object.metadata.namespace = kustomization.namespace;
    }
  }
  return objects;
}
