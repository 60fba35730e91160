import { readFileSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';

/** A Kubernetes object as read from a manifest; only the type and name fields are known. */
export interface KubernetesObject {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  [field: string]: unknown;
}

/** Raised when a manifest file is not valid YAML or contains something other than objects. */
export class ManifestError extends Error {
  override name = 'ManifestError';
}

/** Parses every YAML document of a file; empty documents are skipped. */
export function readYamlDocuments(file: string): unknown[] {
  const documents = parseAllDocuments(readFileSync(file, 'utf8'), { prettyErrors: true });
  const values: unknown[] = [];
  for (const document of documents) {
    if (document.errors.length > 0) {
      throw new ManifestError(`${file}: invalid YAML: ${document.errors[0]!.message}`);
    }
    const value = document.toJS();
    if (value !== null && value !== undefined) values.push(value);
  }
  return values;
}

/** Reads the Kubernetes objects of a manifest file; each must name its apiVersion, kind and name. */
export function readObjects(file: string): KubernetesObject[] {
  return readYamlDocuments(file).map((value, index) => {
    if (!isKubernetesObject(value)) {
      throw new ManifestError(
        `${file}: document ${index + 1} is not a Kubernetes object with apiVersion, kind and metadata.name`,
      );
    }
    return value;
  });
}

/** Tells whether a value has the type and name fields every Kubernetes object carries. */
export function isKubernetesObject(value: unknown): value is KubernetesObject {
  if (!isRecord(value)) return false;
  const metadata = value.metadata;
  return (
    typeof value.apiVersion === 'string' &&
    typeof value.kind === 'string' &&
    isRecord(metadata) &&
    typeof metadata.name === 'string'
  );
}

/** Tells whether a value is a plain object (not null, not an array). */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `Kind/name`, or `Kind/namespace/name`, for messages. */
export function describeObject(object: KubernetesObject): string {
  const namespace = object.metadata.namespace;
  return namespace
    ? `${object.kind}/${namespace}/${object.metadata.name}`
    : `${object.kind}/${object.metadata.name}`;
}

/** Finds the object of a kind and name, or returns undefined. */
export function findObject(
  objects: readonly KubernetesObject[],
  kind: string,
  name: string,
): KubernetesObject | undefined {
  return objects.find((object) => object.kind === kind && object.metadata.name === name);
}
