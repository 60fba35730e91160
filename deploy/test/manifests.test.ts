import { describe, expect, it } from 'vitest';
import { type KubernetesObject, readYamlDocuments, validateObject } from '../src/index';
import { getObject, K8S_DIR, listFiles, type Manifest, OVERLAYS, renderOverlay } from './fixtures';

describe('manifest files', () => {
  it('parse as YAML', () => {
    const files = listFiles(K8S_DIR, ['.yaml', '.yml']);

    expect(files.length).toBeGreaterThan(20);
    for (const file of files) {
      expect(() => readYamlDocuments(file), file).not.toThrow();
    }
  });
});

describe.each(OVERLAYS)('%s overlay', (overlay) => {
  it('validates against the schemas', () => {
    const objects = renderOverlay(overlay);

    const problems = objects.flatMap(validateObject);

    expect(problems).toEqual([]);
  });

  it('contains the kinds the deployment needs', () => {
    const kinds = new Set(renderOverlay(overlay).map((object) => object.kind));

    for (const kind of [
      'Namespace',
      'ConfigMap',
      'Deployment',
      'Service',
      'PodDisruptionBudget',
      'HorizontalPodAutoscaler',
      'Job',
      'ScaledObject',
      'NetworkPolicy',
    ]) {
      expect(kinds, kind).toContain(kind);
    }
  });
});

describe('validateObject', () => {
  const objects = () => renderOverlay('prod');

  function problemsAfter(kind: string, name: string, change: (object: Manifest) => void): string[] {
    const object = structuredClone(getObject(objects(), kind, name));
    change(object);
    return validateObject(object as KubernetesObject);
  }

  it('rejects a ConfigMap value that is not a string', () => {
    const problems = problemsAfter('ConfigMap', 'gateway-config', (configMap) => {
      configMap.data.PORT = 8000;
    });

    expect(problems.join('\n')).toMatch(/PORT must be string/);
  });

  it('rejects replicas given as text', () => {
    const problems = problemsAfter('Deployment', 'scheduler', (deployment) => {
      deployment.spec.replicas = 'two';
    });

    expect(problems.join('\n')).toMatch(/replicas must be integer/);
  });

  it('rejects a container without a name', () => {
    const problems = problemsAfter('Deployment', 'gateway', (deployment) => {
      delete deployment.spec.template.spec.containers[0].name;
    });

    expect(problems.join('\n')).toMatch(/required property name/);
  });

  it('rejects a ScaledObject without triggers', () => {
    const problems = problemsAfter('ScaledObject', 'browser-worker', (scaledObject) => {
      delete scaledObject.spec.triggers;
    });

    expect(problems.join('\n')).toMatch(/required property triggers/);
  });

  it('rejects a misspelt CloudNativePG field', () => {
    const problems = problemsAfter('Cluster', 'orderflow-postgres', (cluster) => {
      cluster.spec.instance = cluster.spec.instances;
      delete cluster.spec.instances;
    });

    expect(problems.join('\n')).toMatch(/instances/);
    expect(problems.join('\n')).toMatch(/Unrecognized key.*instance/);
  });

  it('rejects a name that is not a DNS label', () => {
    const problems = problemsAfter('Service', 'gateway', (service) => {
      service.metadata.name = 'Gateway_API';
    });

    expect(problems.join('\n')).toMatch(/must be a DNS label/);
  });

  it('rejects a kind it has no schema for', () => {
    const problems = validateObject({
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata: { name: 'nats' },
    });

    expect(problems.join('\n')).toMatch(/no schema for apps\/v1 StatefulSet/);
  });
});
