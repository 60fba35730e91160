import { z } from 'zod';

const quantity = z.string().regex(/^[0-9]+(\.[0-9]+)?(m|Ki|Mi|Gi|Ti|k|M|G|T)?$/, {
  error: 'must be a Kubernetes quantity such as 500m or 2Gi',
});

const resources = z.strictObject({
  requests: z.record(z.string(), quantity).optional(),
  limits: z.record(z.string(), quantity).optional(),
});

const storage = z.strictObject({
  size: quantity,
  storageClass: z.string().optional(),
  resizeInUseVolumes: z.boolean().optional(),
});

/**
 * The part of CloudNativePG's `Cluster` (postgresql.cnpg.io/v1) that Orderflow's manifests use,
 * with the field names and types of the operator's CRD. Unknown fields are rejected, so a typo
 * fails here instead of being dropped by the API server. Add a field when a manifest needs it.
 */
export const cnpgClusterSchema = z.strictObject({
  apiVersion: z.literal('postgresql.cnpg.io/v1'),
  kind: z.literal('Cluster'),
  metadata: z.looseObject({
    name: z.string().regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/),
    namespace: z.string().optional(),
  }),
  spec: z.strictObject({
    instances: z.number().int().min(1),
    imageName: z.string().min(1),
    primaryUpdateStrategy: z.enum(['unsupervised', 'supervised']).optional(),
    bootstrap: z
      .strictObject({
        initdb: z.strictObject({
          database: z.string().min(1),
          owner: z.string().min(1),
          secret: z.strictObject({ name: z.string() }).optional(),
        }),
      })
      .optional(),
    postgresql: z
      .strictObject({ parameters: z.record(z.string(), z.string()).optional() })
      .optional(),
    storage,
    walStorage: storage.optional(),
    resources: resources.optional(),
    affinity: z
      .strictObject({
        enablePodAntiAffinity: z.boolean().optional(),
        topologyKey: z.string().optional(),
        podAntiAffinityType: z.enum(['preferred', 'required']).optional(),
      })
      .optional(),
    monitoring: z.strictObject({ enablePodMonitor: z.boolean().optional() }).optional(),
  }),
});

/** Keys of the `<cluster>-app` Secret that CloudNativePG writes for the application user. */
export const CNPG_APP_SECRET_KEYS = [
  'username',
  'password',
  'host',
  'port',
  'dbname',
  'uri',
  'jdbc-uri',
  'pgpass',
] as const;
