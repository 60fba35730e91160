import { describe, expect, it } from 'vitest';
import {
  checkContainers,
  checkProbePorts,
  containersOf,
  findAutoscaler,
  imagePinProblem,
  type KubernetesObject,
  SERVICES,
} from '../src/index';
import { environmentOptions, getObject, type Manifest, OVERLAYS, renderOverlay } from './fixtures';

describe.each(OVERLAYS)('%s overlay workloads', (overlay) => {
  it('pass the container checks', () => {
    expect(checkContainers(renderOverlay(overlay))).toEqual([]);
  });

  it('probe the port each service serves its health checks on', () => {
    expect(checkProbePorts(renderOverlay(overlay), environmentOptions(overlay))).toEqual([]);
  });

  it.each(SERVICES)('give %s a Deployment, Service and PodDisruptionBudget', (service) => {
    const objects = renderOverlay(overlay);

    const deployment = getObject(objects, 'Deployment', service);
    const selector = deployment.spec.selector.matchLabels;

    expect(getObject(objects, 'Service', service).spec.selector).toEqual(selector);
    expect(getObject(objects, 'PodDisruptionBudget', service).spec.selector.matchLabels).toEqual(
      selector,
    );
    expect(deployment.spec.template.metadata.labels).toMatchObject(selector);
  });

  it('runs two scheduler replicas', () => {
    expect(getObject(renderOverlay(overlay), 'Deployment', 'scheduler').spec.replicas).toBe(2);
  });

  it('scales the gateway on CPU with at least one replica', () => {
    const autoscaler = findAutoscaler(renderOverlay(overlay), 'gateway') as Manifest;

    expect(autoscaler?.apiVersion).toBe('autoscaling/v2');
    expect(autoscaler.spec.minReplicas).toBeGreaterThanOrEqual(1);
    expect(autoscaler.spec.maxReplicas).toBeGreaterThan(autoscaler.spec.minReplicas);
    expect(autoscaler.spec.metrics[0].resource.name).toBe('cpu');
  });

  it('migrates the database with the gateway image', () => {
    const objects = renderOverlay(overlay);
    const gatewayImage = containersOf(getObject(objects, 'Deployment', 'gateway'))[0]?.image;

    const job = getObject(objects, 'Job', 'gateway-migrate');
    const [container] = containersOf(job);

    expect(container?.image).toBe(gatewayImage);
    expect(container?.args).toEqual(['npm', 'run', 'migrate']);
    expect(job.spec.template.spec.restartPolicy).toBe('OnFailure');
  });
});

describe('checkContainers', () => {
  function problemsAfter(change: (deployment: Manifest) => void): string[] {
    const objects = renderOverlay('prod');
    change(getObject(objects, 'Deployment', 'importer'));
    return checkContainers(objects);
  }

  it('reports a missing readiness probe', () => {
    const problems = problemsAfter((deployment) => {
      delete deployment.spec.template.spec.containers[0].readinessProbe;
    });

    expect(problems).toEqual([
      'Deployment/orderflow/importer container importer: readinessProbe is not an HTTP GET of /readyz',
    ]);
  });

  it('reports an image on a moving tag', () => {
    const problems = problemsAfter((deployment) => {
      deployment.spec.template.spec.containers[0].image = 'orderflow/importer:latest';
    });

    expect(problems.join('\n')).toMatch(/uses tag "latest", which can move/);
  });

  it('reports missing limits', () => {
    const problems = problemsAfter((deployment) => {
      delete deployment.spec.template.spec.containers[0].resources.limits;
    });

    expect(problems).toContain(
      'Deployment/orderflow/importer container importer: resources.limits.cpu is not set',
    );
    expect(problems).toContain(
      'Deployment/orderflow/importer container importer: resources.limits.memory is not set',
    );
  });

  it('reports a container that may run as root', () => {
    const problems = problemsAfter((deployment) => {
      delete deployment.spec.template.spec.securityContext.runAsNonRoot;
    });

    expect(problems).toEqual([
      'Deployment/orderflow/importer container importer: runAsNonRoot is not true',
    ]);
  });

  it('reports kept capabilities and a writable root file system', () => {
    const problems = problemsAfter((deployment) => {
      const context = deployment.spec.template.spec.containers[0].securityContext;
      context.capabilities.drop = ['NET_RAW'];
      context.readOnlyRootFilesystem = false;
    });

    expect(problems).toEqual([
      'Deployment/orderflow/importer container importer: capabilities.drop does not include ALL',
      'Deployment/orderflow/importer container importer: readOnlyRootFilesystem is not true',
    ]);
  });

  it('reports a read-only root file system without an emptyDir /tmp', () => {
    const problems = problemsAfter((deployment) => {
      deployment.spec.template.spec.volumes = [];
    });

    expect(problems.join('\n')).toMatch(/\/tmp is not an emptyDir volume/);
  });
});

describe('checkProbePorts', () => {
  it('reports probes on another port than HEALTH_PORT', () => {
    const objects = renderOverlay('prod');
    getObject(objects, 'ConfigMap', 'scheduler-config').data!.HEALTH_PORT = '9100';

    const problems = checkProbePorts(objects, environmentOptions('prod'));

    expect(problems.join('\n')).toMatch(
      /scheduler: livenessProbe targets port ops \(9000\), but HEALTH_PORT is 9100/,
    );
  });

  it('reports a service without a fixed health port', () => {
    const objects = renderOverlay('prod');
    delete getObject(objects, 'ConfigMap', 'importer-config').data!.HEALTH_PORT;

    const problems = checkProbePorts(objects as KubernetesObject[], environmentOptions('prod'));

    expect(problems).toEqual([
      'Deployment/orderflow/importer container importer: HEALTH_PORT must be set to a fixed port for the probes',
    ]);
  });
});

describe('imagePinProblem', () => {
  it.each([
    'node:20.20.2-bookworm-slim',
    'nats:2.10.24-alpine',
    'ghcr.io/cloudnative-pg/postgresql:16.6',
    'registry.example.com:5000/orderflow/gateway:0.1.0',
    `orderflow/gateway@sha256:${'a'.repeat(64)}`,
  ])('accepts %s', (image) => {
    expect(imagePinProblem(image)).toBeUndefined();
  });

  it.each([
    'node',
    'node:latest',
    'node:20',
    'node:lts-bookworm',
    'registry.example.com:5000/orderflow/gateway',
    'orderflow/gateway@sha256:1234',
  ])('rejects %s', (image) => {
    expect(imagePinProblem(image)).toBeDefined();
  });
});
