import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  type ConfigSchemaLike,
  checkEnvironmentAgainstSchema,
  containersOf,
  describeObject,
  type EnvironmentEntry,
  loadConfigSchema,
  resolveContainerEnvironment,
  SERVICES,
  serviceOfImage,
} from '../src/index';
import {
  environmentOptions,
  getObject,
  type Manifest,
  OVERLAYS,
  type OverlayName,
  renderOverlay,
} from './fixtures';

/** Lists every container that runs an Orderflow image, with the service it belongs to. */
function serviceContainers(overlay: OverlayName) {
  const objects = renderOverlay(overlay);
  return objects.flatMap((object) =>
    containersOf(object).flatMap((container) => {
      const service = serviceOfImage(String(container.image));
      if (!service) return [];
      const label = `${describeObject(object)} container ${String(container.name)}`;
      return [{ objects, container, service, label }];
    }),
  );
}

describe.each(OVERLAYS)('%s overlay environment', (overlay) => {
  it('runs every service, and the migration with the gateway schema', () => {
    const services = serviceContainers(overlay).map(({ service }) => service);

    expect(new Set(services)).toEqual(new Set(SERVICES));
  });

  it('resolves every ConfigMap and Secret reference', () => {
    const problems = serviceContainers(overlay).flatMap(({ objects, container, label }) =>
      resolveContainerEnvironment(container, objects, environmentOptions(overlay)).problems.map(
        (problem) => `${label}: ${problem}`,
      ),
    );

    expect(problems).toEqual([]);
  });

  it('uses every ConfigMap it defines', () => {
    const objects = renderOverlay(overlay);
    const referenced = new Set(
      objects
        .flatMap(containersOf)
        .flatMap((container) => [
          ...((container.envFrom ?? []) as Manifest[]).map((source) => source.configMapRef?.name),
          ...((container.env ?? []) as Manifest[]).map(
            (variable) => variable.valueFrom?.configMapKeyRef?.name,
          ),
        ]),
    );

    const configMaps = objects.filter((object) => object.kind === 'ConfigMap');

    expect(configMaps.length).toBeGreaterThan(0);
    for (const configMap of configMaps) {
      expect(referenced, configMap.metadata.name).toContain(configMap.metadata.name);
    }
  });

  it.each(SERVICES)('sets only settings of %s, and all it requires', async (service) => {
    const schema = await loadConfigSchema(service);
    const containers = serviceContainers(overlay).filter((entry) => entry.service === service);

    const problems = containers.flatMap(({ objects, container, label }) => {
      const { variables } = resolveContainerEnvironment(
        container,
        objects,
        environmentOptions(overlay),
      );
      return checkEnvironmentAgainstSchema(label, variables, schema);
    });

    expect(containers.length).toBeGreaterThan(0);
    expect(problems).toEqual([]);
  });
});

describe('checkEnvironmentAgainstSchema', () => {
  const schema: ConfigSchemaLike = z.object({
    NATS_URL: z.string().default('nats://127.0.0.1:4222'),
    PORT: z.coerce.number().int().min(1).max(65_535).default(8000),
    DATABASE_URL: z.string().min(1),
  });
  const literal = (value: string): EnvironmentEntry => ({ value, source: 'literal' });
  const secret: EnvironmentEntry = { value: undefined, source: 'Secret/app' };

  it('accepts known settings with valid values', () => {
    const variables = new Map([
      ['PORT', literal('8080')],
      ['DATABASE_URL', secret],
    ]);

    expect(checkEnvironmentAgainstSchema('app', variables, schema)).toEqual([]);
  });

  it('reports a variable the service does not read', () => {
    const variables = new Map([
      ['DATABASE_URL', secret],
      ['DATABSE_POOL', literal('5')],
    ]);

    expect(checkEnvironmentAgainstSchema('app', variables, schema)).toEqual([
      'app: DATABSE_POOL (from literal) is not a setting of its config schema',
    ]);
  });

  it('reports a required setting left unset or empty', () => {
    expect(checkEnvironmentAgainstSchema('app', new Map(), schema)).toEqual([
      'app: DATABASE_URL has no default in its config schema but is not set',
    ]);
    expect(
      checkEnvironmentAgainstSchema('app', new Map([['DATABASE_URL', literal('')]]), schema),
    ).toEqual(['app: DATABASE_URL has no default in its config schema but is not set']);
  });

  it('reports a value the schema rejects', () => {
    const variables = new Map([
      ['DATABASE_URL', secret],
      ['PORT', literal('http')],
    ]);

    expect(checkEnvironmentAgainstSchema('app', variables, schema)).toEqual([
      expect.stringMatching(/^app: PORT="http" \(from literal\) is invalid: /),
    ]);
  });
});

describe('resolveContainerEnvironment', () => {
  it('lets env entries override envFrom ConfigMaps', () => {
    const objects = renderOverlay('dev');
    const container = structuredClone(
      containersOf(getObject(objects, 'Deployment', 'importer'))[0]!,
    );
    container.env = [{ name: 'LOG_LEVEL', value: 'warn' }];

    const { variables, problems } = resolveContainerEnvironment(container, objects);

    expect(problems).toEqual([]);
    expect(variables.get('LOG_LEVEL')).toEqual({ value: 'warn', source: 'literal' });
    expect(variables.get('NATS_URL')).toEqual({
      value: 'nats://nats:4222',
      source: 'ConfigMap/orderflow-common',
    });
  });

  it('reports a missing ConfigMap and an unknown Secret key', () => {
    const objects = renderOverlay('prod');
    const container = {
      envFrom: [{ configMapRef: { name: 'gateway-settings' } }],
      env: [
        {
          name: 'API_TOKENS',
          valueFrom: { secretKeyRef: { name: 'orderflow-secrets', key: 'TOKENS' } },
        },
        {
          name: 'DATABASE_URL',
          valueFrom: { secretKeyRef: { name: 'orderflow-postgres-app', key: 'url' } },
        },
      ],
    };

    const { problems } = resolveContainerEnvironment(
      container,
      objects,
      environmentOptions('prod'),
    );

    expect(problems).toEqual([
      'envFrom names ConfigMap gateway-settings, which does not exist',
      'API_TOKENS reads Secret orderflow-secrets key TOKENS, which it does not hold',
      'DATABASE_URL reads Secret orderflow-postgres-app key url, which it does not hold',
    ]);
  });

  it('reports a Secret that nothing creates', () => {
    const objects = renderOverlay('prod');
    const container = {
      env: [
        {
          name: 'API_TOKENS',
          valueFrom: { secretKeyRef: { name: 'gateway-tokens', key: 'API_TOKENS' } },
        },
      ],
    };

    const { problems } = resolveContainerEnvironment(
      container,
      objects,
      environmentOptions('prod'),
    );

    expect(problems).toEqual(['API_TOKENS reads Secret gateway-tokens, which is not known']);
  });
});
