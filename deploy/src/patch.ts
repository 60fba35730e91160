import { isRecord } from './objects';

/** Raised when a patch cannot be applied; the message names the operation and path. */
export class PatchError extends Error {
  override name = 'PatchError';
}

/** One RFC 6902 JSON Patch operation; `move` and `copy` are not supported. */
export interface JsonPatchOperation {
  op: 'add' | 'remove' | 'replace' | 'test';
  path: string;
  value?: unknown;
}

const SUPPORTED_OPS = new Set(['add', 'remove', 'replace', 'test']);

/**
 * Lists whose items strategic merge patches match by a key instead of replacing the whole list,
 * as Kubernetes declares them for pod specs (`patchMergeKey`).
 */
const MERGE_KEYS: Record<string, string> = {
  containers: 'name',
  initContainers: 'name',
  env: 'name',
  volumes: 'name',
  volumeMounts: 'mountPath',
  imagePullSecrets: 'name',
};

function parsePointer(path: string): string[] {
  if (path === '') return [];
  if (!path.startsWith('/'))
    throw new PatchError(`JSON pointer ${JSON.stringify(path)} must start with /`);
  return path
    .slice(1)
    .split('/')
    .map((token) => token.replaceAll('~1', '/').replaceAll('~0', '~'));
}

function arrayIndex(token: string, length: number, allowEnd: boolean): number {
  if (allowEnd && token === '-') return length;
  if (!/^(0|[1-9][0-9]*)$/.test(token)) throw new PatchError(`${token} is not an array index`);
  const index = Number(token);
  const max = allowEnd ? length : length - 1;
  if (index > max) throw new PatchError(`array index ${index} is out of range (length ${length})`);
  return index;
}

function child(container: unknown, token: string, path: string): unknown {
  if (Array.isArray(container)) return container[arrayIndex(token, container.length, false)];
  if (isRecord(container) && token in container) return container[token];
  throw new PatchError(`path ${path} does not exist`);
}

function applyOperation(document: unknown, operation: JsonPatchOperation): unknown {
  const tokens = parsePointer(operation.path);
  if (tokens.length === 0) {
    if (operation.op === 'test') return document;
    if (operation.op === 'remove') throw new PatchError('cannot remove the whole document');
    return structuredClone(operation.value);
  }

  const parentTokens = tokens.slice(0, -1);
  const last = tokens.at(-1)!;
  let parent = document;
  for (const token of parentTokens) parent = child(parent, token, operation.path);

  if (operation.op === 'test') {
    const actual = child(parent, last, operation.path);
    if (JSON.stringify(actual) !== JSON.stringify(operation.value)) {
      throw new PatchError(
        `test of ${operation.path} failed: expected ${JSON.stringify(operation.value)}, found ${JSON.stringify(actual)}`,
      );
    }
    return document;
  }

  if (Array.isArray(parent)) {
    const index = arrayIndex(last, parent.length, operation.op === 'add');
    if (operation.op === 'add') parent.splice(index, 0, structuredClone(operation.value));
    else if (operation.op === 'replace') parent[index] = structuredClone(operation.value);
    else parent.splice(index, 1);
    return document;
  }
  if (!isRecord(parent))
    throw new PatchError(`path ${operation.path} has no object or array parent`);
  if (operation.op !== 'add' && !(last in parent)) {
    throw new PatchError(`path ${operation.path} does not exist`);
  }
  if (operation.op === 'remove') delete parent[last];
  else parent[last] = structuredClone(operation.value);
  return document;
}

/** Applies RFC 6902 operations to a copy of `document` and returns the copy. */
export function applyJsonPatch(document: unknown, operations: unknown[]): unknown {
  let result = structuredClone(document);
  for (const operation of operations) {
    if (
      !isRecord(operation) ||
      typeof operation.op !== 'string' ||
      typeof operation.path !== 'string'
    ) {
      throw new PatchError(`invalid JSON patch operation ${JSON.stringify(operation)}`);
    }
    if (!SUPPORTED_OPS.has(operation.op)) {
      throw new PatchError(`JSON patch operation "${operation.op}" is not supported`);
    }
    if (operation.op !== 'remove' && !('value' in operation)) {
      throw new PatchError(
        `JSON patch operation "${operation.op}" at ${operation.path} needs a value`,
      );
    }
    result = applyOperation(result, operation as unknown as JsonPatchOperation);
  }
  return result;
}

function mergeKeyedLists(target: unknown[], patch: unknown[], key: string): unknown[] {
  const merged = [...target];
  for (const item of patch) {
    if (!isRecord(item) || !(key in item)) {
      throw new PatchError(`list item ${JSON.stringify(item)} lacks its merge key "${key}"`);
    }
    const index = merged.findIndex((existing) => isRecord(existing) && existing[key] === item[key]);
    if (index === -1) merged.push(structuredClone(item));
    else merged[index] = mergeValues(merged[index], item, undefined);
  }
  return merged;
}

function mergeValues(target: unknown, patch: unknown, field: string | undefined): unknown {
  if (isRecord(patch)) {
    const base = isRecord(target) ? { ...target } : {};
    for (const [key, value] of Object.entries(patch)) {
      if (key.startsWith('$')) throw new PatchError(`patch directive ${key} is not supported`);
      if (value === null) delete base[key];
      else base[key] = mergeValues(base[key], value, key);
    }
    return base;
  }
  const mergeKey = field === undefined ? undefined : MERGE_KEYS[field];
  if (Array.isArray(patch) && Array.isArray(target) && mergeKey) {
    return mergeKeyedLists(target, patch, mergeKey);
  }
  return structuredClone(patch);
}

/**
 * Applies a strategic merge patch the way kustomize does for the fields used here: objects merge
 * key by key, `null` removes a key, the pod-spec lists in MERGE_KEYS merge item by item, and any
 * other list is replaced. Patch directives (`$patch`, `$retainKeys`, ...) are rejected.
 */
export function applyStrategicMergePatch(
  document: unknown,
  patch: Record<string, unknown>,
): unknown {
  return mergeValues(structuredClone(document), patch, undefined);
}
