import { z } from 'zod';
import { imagePinProblem } from './images';
import { isRecord } from './objects';

const quantity = z.string().regex(/^[0-9]+(\.[0-9]+)?(m|Ki|Mi|Gi|Ti)?$/);
const resources = z.strictObject({
  requests: z.record(z.string(), quantity).optional(),
  limits: z.record(z.string(), quantity).optional(),
});

/**
 * The values of the official NATS Helm chart (1.x layout) that Orderflow sets. Unknown keys are
 * rejected, which catches misspellings and the 0.x layout (`nats.jetstream.fileStorage`,
 * `cluster.enabled` at the top level) that the 1.x chart silently ignores.
 */
export const natsValuesSchema = z.strictObject({
  config: z
    .strictObject({
      cluster: z
        .strictObject({ enabled: z.boolean(), replicas: z.number().int().min(1).optional() })
        .optional(),
      jetstream: z
        .strictObject({
          enabled: z.boolean().optional(),
          fileStore: z
            .strictObject({
              enabled: z.boolean().optional(),
              dir: z.string().optional(),
              pvc: z
                .strictObject({
                  enabled: z.boolean().optional(),
                  size: quantity.optional(),
                  storageClassName: z.string().optional(),
                })
                .optional(),
            })
            .optional(),
          memoryStore: z.strictObject({ enabled: z.boolean() }).optional(),
        })
        .optional(),
      monitor: z
        .strictObject({
          enabled: z.boolean(),
          port: z.number().int().min(1).max(65_535).optional(),
        })
        .optional(),
    })
    .optional(),
  container: z
    .strictObject({
      image: z.strictObject({ repository: z.string(), tag: z.string() }).optional(),
      merge: z.strictObject({ resources: resources.optional() }).optional(),
    })
    .optional(),
  podTemplate: z
    .strictObject({
      topologySpreadConstraints: z
        .record(
          z.string(),
          z.strictObject({
            maxSkew: z.number().int().min(1),
            whenUnsatisfiable: z.enum(['DoNotSchedule', 'ScheduleAnyway']),
          }),
        )
        .optional(),
    })
    .optional(),
  podDisruptionBudget: z.strictObject({ enabled: z.boolean() }).optional(),
  promExporter: z
    .strictObject({
      enabled: z.boolean(),
      podMonitor: z.strictObject({ enabled: z.boolean() }).optional(),
    })
    .optional(),
  natsBox: z.strictObject({ enabled: z.boolean() }).optional(),
});

export type NatsValues = z.infer<typeof natsValuesSchema>;

/** Merges Helm values files the way `helm --values a --values b` does: maps deeply, the rest replaced. */
export function mergeHelmValues(base: unknown, override: unknown): unknown {
  if (!isRecord(base) || !isRecord(override)) return override === undefined ? base : override;
  const merged: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(override))
    merged[key] = mergeHelmValues(base[key], value);
  return merged;
}

/** Expected shape of the NATS installation, for {@link checkNatsValues}. */
export interface NatsExpectations {
  /** Servers in the cluster; 1 means clustering off. */
  servers: number;
  monitorPort: number;
}

/**
 * Validates merged NATS chart values and checks the installation they describe: JetStream on
 * persistent volumes, the monitoring port on, the expected number of servers and a pinned image.
 */
export function checkNatsValues(values: unknown, expected: NatsExpectations): string[] {
  const parsed = natsValuesSchema.safeParse(values);
  if (!parsed.success) {
    return parsed.error.issues.map(
      (issue) => `NATS values: ${issue.path.join('.') || '(root)'} ${issue.message}`,
    );
  }
  const { config, container } = parsed.data;
  const problems: string[] = [];
  const clusterOn = config?.cluster?.enabled === true;
  const servers = clusterOn ? (config?.cluster?.replicas ?? 3) : 1;
  if (servers !== expected.servers)
    problems.push(`NATS values: ${servers} servers, expected ${expected.servers}`);
  if (config?.jetstream?.enabled !== true) problems.push('NATS values: JetStream is not enabled');
  const fileStore = config?.jetstream?.fileStore;
  if (fileStore?.enabled === false || fileStore?.pvc?.enabled === false) {
    problems.push('NATS values: the JetStream file store is not on a persistent volume');
  }
  if (config?.monitor?.enabled !== true) problems.push('NATS values: monitoring is off');
  const port = config?.monitor?.port ?? 8222;
  if (port !== expected.monitorPort)
    problems.push(`NATS values: monitoring port ${port}, expected ${expected.monitorPort}`);
  const image = container?.image;
  const pinProblem = image
    ? imagePinProblem(`${image.repository}:${image.tag}`)
    : 'the NATS image tag is not set';
  if (pinProblem) problems.push(`NATS values: ${pinProblem}`);
  return problems;
}
