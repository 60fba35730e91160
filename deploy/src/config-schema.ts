import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { EnvironmentEntry } from './environment';

/** The services that have a config schema and an image. */
export const SERVICES = ['gateway', 'importer', 'scheduler', 'browser-worker'] as const;
export type ServiceName = (typeof SERVICES)[number];

interface ParseResult {
  success: boolean;
  data?: unknown;
  error?: { issues: Array<{ message: string }> };
}

/** The part of a service's zod `configSchema` that the checks use. */
export interface ConfigSchemaLike {
  shape: Record<string, { safeParse(value: unknown): ParseResult }>;
}

/** Path of a service's `src/config.ts`. */
export function configFileOf(service: string): string {
  return fileURLToPath(new URL(`../../services/${service}/src/config.ts`, import.meta.url));
}

/** Imports `configSchema` from `services/<service>/src/config.ts`. */
export async function loadConfigSchema(service: string): Promise<ConfigSchemaLike> {
  const file = configFileOf(service);
  if (!existsSync(file)) {
    throw new Error(`${file} does not exist, so the environment of ${service} cannot be checked`);
  }
  const module: { configSchema?: unknown } = await import(file);
  const schema = module.configSchema as ConfigSchemaLike | undefined;
  if (!schema || typeof schema.shape !== 'object') {
    throw new Error(`${file} does not export a zod object named configSchema`);
  }
  return schema;
}

/** Tells whether a setting has no default, that is whether parsing it when unset fails. */
export function isRequiredSetting(field: ConfigSchemaLike['shape'][string]): boolean {
  return !field.safeParse(undefined).success;
}

/**
 * Compares a container's environment with the service's config schema: every variable must be a
 * setting of the service, every known value must parse, and every setting without a default must
 * be set. An empty value counts as unset, as in parseConfig of the service kit.
 */
export function checkEnvironmentAgainstSchema(
  label: string,
  variables: ReadonlyMap<string, EnvironmentEntry>,
  schema: ConfigSchemaLike,
): string[] {
  const problems: string[] = [];
  for (const [name, entry] of variables) {
    const field = schema.shape[name];
    if (!field) {
      problems.push(
        `${label}: ${name} (from ${entry.source}) is not a setting of its config schema`,
      );
      continue;
    }
    if (entry.value === undefined || entry.value === '') continue;
    const result = field.safeParse(entry.value);
    if (!result.success) {
      const reason = result.error?.issues[0]?.message ?? 'rejected';
      problems.push(
        `${label}: ${name}=${JSON.stringify(entry.value)} (from ${entry.source}) is invalid: ${reason}`,
      );
    }
  }

  for (const [name, field] of Object.entries(schema.shape)) {
    const entry = variables.get(name);
    const isSet = entry !== undefined && entry.value !== '';
    if (!isSet && isRequiredSetting(field)) {
      problems.push(`${label}: ${name} has no default in its config schema but is not set`);
    }
  }
  return problems;
}
