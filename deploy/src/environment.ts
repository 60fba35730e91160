import { CNPG_APP_SECRET_KEYS } from './cnpg-cluster';
import { findObject, isRecord, type KubernetesObject } from './objects';

/** One environment variable of a container; `value` is undefined when it comes from a Secret. */
export interface EnvironmentEntry {
  value: string | undefined;
  /** Source of the value, for messages: `ConfigMap/x`, `Secret/y` or `literal`. */
  source: string;
}

/** The environment a container starts with, and the references that did not resolve. */
export interface ContainerEnvironment {
  variables: Map<string, EnvironmentEntry>;
  problems: string[];
}

/** Options of {@link resolveContainerEnvironment}. */
export interface EnvironmentOptions {
  /**
   * Secrets created outside the manifests (by an operator with kubectl), with the keys they
   * must hold. References to them are accepted without a Secret object in the render.
   */
  externalSecrets?: Record<string, readonly string[]>;
}

function stringMap(value: unknown): Record<string, string> {
  if (!isRecord(value)) return {};
  return Object.fromEntries(
    Object.entries(value).filter(
      (entry): entry is [string, string] => typeof entry[1] === 'string',
    ),
  );
}

/** Keys of a Secret in the render, or of one the operators create, or undefined when unknown. */
function secretKeys(
  objects: readonly KubernetesObject[],
  name: string,
  options: EnvironmentOptions,
): readonly string[] | undefined {
  const secret = findObject(objects, 'Secret', name);
  if (secret)
    return [...Object.keys(stringMap(secret.data)), ...Object.keys(stringMap(secret.stringData))];
  const external = options.externalSecrets?.[name];
  if (external) return external;
  const cluster = objects.find(
    (object) => object.kind === 'Cluster' && `${object.metadata.name}-app` === name,
  );
  return cluster ? CNPG_APP_SECRET_KEYS : undefined;
}

function resolveEnvFrom(
  source: Record<string, unknown>,
  objects: readonly KubernetesObject[],
  options: EnvironmentOptions,
  result: ContainerEnvironment,
): void {
  const prefix = typeof source.prefix === 'string' ? source.prefix : '';
  const configMapRef = isRecord(source.configMapRef) ? source.configMapRef : undefined;
  const secretRef = isRecord(source.secretRef) ? source.secretRef : undefined;
  const reference = configMapRef ?? secretRef;
  const name = String(reference?.name);
  const optional = reference?.optional === true;

  if (configMapRef) {
    const configMap = findObject(objects, 'ConfigMap', name);
    if (!configMap) {
      if (!optional) result.problems.push(`envFrom names ConfigMap ${name}, which does not exist`);
      return;
    }
    for (const [key, value] of Object.entries(stringMap(configMap.data))) {
      result.variables.set(`${prefix}${key}`, { value, source: `ConfigMap/${name}` });
    }
    return;
  }
  if (secretRef) {
    const keys = secretKeys(objects, name, options);
    if (!keys) {
      if (!optional) result.problems.push(`envFrom names Secret ${name}, which is not known`);
      return;
    }
    for (const key of keys) {
      result.variables.set(`${prefix}${key}`, { value: undefined, source: `Secret/${name}` });
    }
  }
}

function resolveValueFrom(
  variable: string,
  valueFrom: Record<string, unknown>,
  objects: readonly KubernetesObject[],
  options: EnvironmentOptions,
): { entry?: EnvironmentEntry; problem?: string } {
  const configMapKeyRef = isRecord(valueFrom.configMapKeyRef)
    ? valueFrom.configMapKeyRef
    : undefined;
  if (configMapKeyRef) {
    const name = String(configMapKeyRef.name);
    const key = String(configMapKeyRef.key);
    const value = stringMap(findObject(objects, 'ConfigMap', name)?.data)[key];
    if (value === undefined)
      return { problem: `${variable} reads ConfigMap ${name} key ${key}, which does not exist` };
    return { entry: { value, source: `ConfigMap/${name}` } };
  }
  const secretKeyRef = isRecord(valueFrom.secretKeyRef) ? valueFrom.secretKeyRef : undefined;
  if (secretKeyRef) {
    const name = String(secretKeyRef.name);
    const key = String(secretKeyRef.key);
    const keys = secretKeys(objects, name, options);
    if (!keys) return { problem: `${variable} reads Secret ${name}, which is not known` };
    if (!keys.includes(key))
      return { problem: `${variable} reads Secret ${name} key ${key}, which it does not hold` };
    return { entry: { value: undefined, source: `Secret/${name}` } };
  }
  return { entry: { value: undefined, source: 'valueFrom' } };
}

/**
 * Resolves a container's environment as the kubelet would: `envFrom` sources in order, then
 * `env` entries, later ones winning. ConfigMap values are read from the render. Secret values
 * stay unknown, but the Secret and key must exist in the render, be created by CloudNativePG for
 * a Cluster in the render, or be listed in `externalSecrets`.
 */
export function resolveContainerEnvironment(
  container: Record<string, unknown>,
  objects: readonly KubernetesObject[],
  options: EnvironmentOptions = {},
): ContainerEnvironment {
  const result: ContainerEnvironment = { variables: new Map(), problems: [] };
  const envFrom = Array.isArray(container.envFrom) ? container.envFrom.filter(isRecord) : [];
  for (const source of envFrom) resolveEnvFrom(source, objects, options, result);

  const env = Array.isArray(container.env) ? container.env.filter(isRecord) : [];
  for (const variable of env) {
    const name = String(variable.name);
    if (typeof variable.value === 'string') {
      result.variables.set(name, { value: variable.value, source: 'literal' });
      continue;
    }
    if (!isRecord(variable.valueFrom)) {
      result.variables.set(name, { value: '', source: 'literal' });
      continue;
    }
    const resolved = resolveValueFrom(name, variable.valueFrom, objects, options);
    if (resolved.problem) result.problems.push(resolved.problem);
    if (resolved.entry) result.variables.set(name, resolved.entry);
  }
  return result;
}
