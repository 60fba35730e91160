import { join } from 'node:path';
import { KV_BUCKETS, OBJECT_BUCKETS, STREAMS } from '@orderflow/contracts';
import { describe, expect, it } from 'vitest';
import {
  checkNatsValues,
  containersOf,
  findAutoscaler,
  findServiceContainer,
  imagePinProblem,
  loadConfigSchema,
  mergeHelmValues,
  readYamlDocuments,
} from '../src/index';
import { environmentOptions, getObject, K8S_DIR, type Manifest, renderOverlay } from './fixtures';

const readValues = (name: string) => readYamlDocuments(join(K8S_DIR, 'nats', name))[0];
const prodValues = () => readValues('values.yaml');
const devValues = () => mergeHelmValues(readValues('values.yaml'), readValues('values-dev.yaml'));

/** Port of the NATS monitoring endpoint that the KEDA trigger reads. */
function triggerMonitoringPort(): number {
  const trigger = getObject(renderOverlay('prod'), 'ScaledObject', 'browser-worker').spec
    .triggers[0];
  return Number(trigger.metadata.natsServerMonitoringEndpoint.split(':')[1]);
}

describe('NATS Helm values', () => {
  it('describe a three-server JetStream cluster on volumes with monitoring', () => {
    expect(
      checkNatsValues(prodValues(), { servers: 3, monitorPort: triggerMonitoringPort() }),
    ).toEqual([]);
  });

  it('describe one server for development', () => {
    expect(
      checkNatsValues(devValues(), { servers: 1, monitorPort: triggerMonitoringPort() }),
    ).toEqual([]);
  });

  it('reject the 0.x chart layout', () => {
    const values = { nats: { jetstream: { enabled: true, fileStorage: { enabled: true } } } };

    expect(checkNatsValues(values, { servers: 3, monitorPort: 8222 }).join('\n')).toMatch(
      /Unrecognized key.*nats/,
    );
  });

  it('report monitoring off and a moving image tag', () => {
    const values = mergeHelmValues(prodValues(), {
      config: { monitor: { enabled: false } },
      container: { image: { tag: 'latest' } },
    });

    expect(checkNatsValues(values, { servers: 3, monitorPort: 8222 })).toEqual([
      'NATS values: monitoring is off',
      'NATS values: image nats:latest uses tag "latest", which can move; pin an exact version or a digest',
    ]);
  });

  it('report a file store without a volume', () => {
    const values = mergeHelmValues(prodValues(), {
      config: { jetstream: { fileStore: { pvc: { enabled: false } } } },
    });

    expect(checkNatsValues(values, { servers: 3, monitorPort: 8222 })).toEqual([
      'NATS values: the JetStream file store is not on a persistent volume',
    ]);
  });
});

describe('prod stream replicas Job', () => {
  const script = () => {
    const job = getObject(renderOverlay('prod'), 'Job', 'nats-stream-replicas');
    return String(containersOf(job)[0]?.args);
  };

  it('raises every stream and bucket of the contracts to three replicas', () => {
    const names = [
      ...STREAMS.map((stream) => stream.name),
      ...Object.values(KV_BUCKETS).map(({ bucket }) => `KV_${bucket}`),
      ...Object.values(OBJECT_BUCKETS).map(({ bucket }) => `OBJ_${bucket}`),
    ];

    for (const name of names) expect(script(), name).toMatch(new RegExp(`\\b${name}\\b`));
    expect(script()).toMatch(/stream edit "\$stream" --replicas 3 --force/);
  });

  it('is not part of the dev overlay', () => {
    const names = renderOverlay('dev').map((object) => object.metadata.name);

    expect(names).not.toContain('nats-stream-replicas');
  });
});

describe('CloudNativePG cluster', () => {
  const cluster = () => getObject(renderOverlay('prod'), 'Cluster', 'orderflow-postgres');

  it('runs three instances of a pinned Postgres image', () => {
    expect(cluster().spec.instances).toBe(3);
    expect(imagePinProblem(cluster().spec.imageName)).toBeUndefined();
  });

  it('accepts every gateway connection at full scale', async () => {
    const objects = renderOverlay('prod');
    const gateway = findServiceContainer(objects, 'gateway', environmentOptions('prod'));
    const poolSetting = (await loadConfigSchema('gateway')).shape.DATABASE_POOL_SIZE!;
    const configured = gateway?.setting('DATABASE_POOL_SIZE');
    const poolSize = Number(configured ?? poolSetting.safeParse(undefined).data);
    const maxReplicas = (findAutoscaler(objects, 'gateway') as Manifest).spec.maxReplicas;
    // Postgres keeps superuser_reserved_connections (3 by default) out of max_connections, and
    // the migration Job opens one more.
    const available = Number(cluster().spec.postgresql.parameters.max_connections) - 3 - 1;

    expect(poolSize).toBeGreaterThan(0);
    expect(maxReplicas * poolSize).toBeLessThanOrEqual(available);
  });

  it('gives the gateway and the migration the connection string it creates', () => {
    const objects = renderOverlay('prod');

    for (const [kind, name] of [
      ['Deployment', 'gateway'],
      ['Job', 'gateway-migrate'],
    ] as const) {
      const env = containersOf(getObject(objects, kind, name))[0]?.env as Manifest[];
      const databaseUrl = env.find((variable) => variable.name === 'DATABASE_URL');

      expect(databaseUrl.valueFrom.secretKeyRef, `${kind}/${name}`).toEqual({
        name: `${cluster().metadata.name}-app`,
        key: 'uri',
      });
    }
  });
});
