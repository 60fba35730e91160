import { z } from 'zod';

/** Raised when environment variables do not fit a service's configuration schema. */
export class ConfigError extends Error {
  override name = 'ConfigError';

  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
  }
}

/**
 * Parses environment variables with a zod object schema whose keys are the variable names.
 * Throws a {@link ConfigError} that names each bad variable, its value and the rule it broke.
 */
export function parseConfig<S extends z.ZodObject>(
  schema: S,
  env: Record<string, string | undefined> = process.env,
): z.infer<S> {
  const values: Record<string, string> = {};
  for (const key of Object.keys(schema.shape)) {
    const value = env[key];
    if (value !== undefined && value !== '') values[key] = value;
  }
  const result = schema.safeParse(values);
  if (result.success) return result.data;

  const problems = result.error.issues.map((issue) => {
    const key = String(issue.path[0] ?? '');
    const shown = key in values ? ` (got ${JSON.stringify(values[key])})` : '';
    return `${key}${shown}: ${issue.message}`;
  });
  throw new ConfigError(problems);
}

/** Parses the configuration, or prints the problems and exits with status 78 (EX_CONFIG). */
export function loadConfigOrExit<S extends z.ZodObject>(
  schema: S,
  env: Record<string, string | undefined> = process.env,
): z.infer<S> {
  try {
    return parseConfig(schema, env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${error.message}\nFix the variables above and start again.\n`);
    process.exit(78);
  }
}

/** Builds the schema of an integer environment variable within bounds, with a default. */
export function envInt(defaultValue: number, min = 0, max = Number.MAX_SAFE_INTEGER) {
  return z.coerce
    .number({ error: 'must be an integer' })
    .int('must be an integer')
    .min(min, `must be at least ${min}`)
    .max(max, `must be at most ${max}`)
    .default(defaultValue);
}

/** Builds the schema of a boolean environment variable: `true`/`false`, `1`/`0`, `yes`/`no`. */
export function envBool(defaultValue: boolean) {
  return z
    .enum(['true', 'false', '1', '0', 'yes', 'no'], { error: 'must be true or false' })
    .transform((value) => value === 'true' || value === '1' || value === 'yes')
    .default(defaultValue);
}

/** Builds the schema of a comma-separated list environment variable, dropping blank entries. */
export function envList() {
  return z
    .string()
    .transform((value) =>
      value
        .split(',')
        .map((entry) => entry.trim())
        .filter((entry) => entry.length > 0),
    )
    .default([]);
}

/** Variables every service reads. */
export const baseConfigShape = {
  /** NATS server URL, or several separated by commas. */
  NATS_URL: z.string().default('nats://127.0.0.1:4222'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Port of `/healthz`, `/readyz` and `/metrics`; 0 picks a free port. */
  HEALTH_PORT: envInt(0, 0, 65_535),
  /** Milliseconds a graceful shutdown may take before the process exits anyway. */
  SHUTDOWN_TIMEOUT_MS: envInt(30_000, 0),
};
