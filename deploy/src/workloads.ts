import { type EnvironmentOptions, resolveContainerEnvironment } from './environment';
import { imagePinProblem, serviceOfImage } from './images';
import { containersOf, podSpecOf } from './kustomize';
import { describeObject, isRecord, type KubernetesObject } from './objects';

/** Kinds that run long-lived pods and therefore need liveness and readiness probes. */
const LONG_RUNNING_KINDS = new Set(['Deployment', 'StatefulSet', 'DaemonSet']);

/** Name of the setting with the port of `/healthz` and `/readyz`, per service. */
export const OPS_PORT_SETTING: Record<string, string> = {
  gateway: 'PORT',
  importer: 'HEALTH_PORT',
  scheduler: 'HEALTH_PORT',
  'browser-worker': 'HEALTH_PORT',
};

function record(value: unknown): Record<string, unknown> {
  return isRecord(value) ? value : {};
}

function checkPodSecurity(
  id: string,
  podSpec: Record<string, unknown>,
  containers: Array<Record<string, unknown>>,
): string[] {
  const podContext = record(podSpec.securityContext);
  const problems: string[] = [];
  for (const container of containers) {
    const context = record(container.securityContext);
    const runAsNonRoot = context.runAsNonRoot ?? podContext.runAsNonRoot;
    const runAsUser = context.runAsUser ?? podContext.runAsUser;
    const name = `${id} container ${String(container.name)}`;
    if (runAsNonRoot !== true) problems.push(`${name}: runAsNonRoot is not true`);
    if (runAsUser === 0) problems.push(`${name}: runAsUser is 0 (root)`);
    if (context.allowPrivilegeEscalation !== false) {
      problems.push(`${name}: allowPrivilegeEscalation is not false`);
    }
    const drop = record(context.capabilities).drop;
    if (!Array.isArray(drop) || !drop.includes('ALL')) {
      problems.push(`${name}: capabilities.drop does not include ALL`);
    }
  }
  return problems;
}

function checkResources(name: string, container: Record<string, unknown>): string[] {
  const resources = record(container.resources);
  const problems: string[] = [];
  for (const kind of ['requests', 'limits'] as const) {
    const values = record(resources[kind]);
    for (const resource of ['cpu', 'memory']) {
      if (values[resource] === undefined)
        problems.push(`${name}: resources.${kind}.${resource} is not set`);
    }
  }
  return problems;
}

function checkWritableTmp(
  name: string,
  podSpec: Record<string, unknown>,
  container: Record<string, unknown>,
): string[] {
  const context = record(container.securityContext);
  if (context.readOnlyRootFilesystem !== true) {
    return [`${name}: readOnlyRootFilesystem is not true`];
  }
  const mounts = Array.isArray(container.volumeMounts)
    ? container.volumeMounts.filter(isRecord)
    : [];
  const tmpMount = mounts.find((mount) => mount.mountPath === '/tmp');
  const volumes = Array.isArray(podSpec.volumes) ? podSpec.volumes.filter(isRecord) : [];
  const volume = volumes.find((candidate) => candidate.name === tmpMount?.name);
  if (!volume || !isRecord(volume.emptyDir)) {
    return [`${name}: the root file system is read-only but /tmp is not an emptyDir volume`];
  }
  return [];
}

function checkProbes(name: string, container: Record<string, unknown>): string[] {
  const problems: string[] = [];
  const expected = { livenessProbe: '/healthz', readinessProbe: '/readyz' } as const;
  for (const [probe, path] of Object.entries(expected)) {
    const httpGet = record(record(container[probe]).httpGet);
    if (httpGet.path !== path) problems.push(`${name}: ${probe} is not an HTTP GET of ${path}`);
  }
  return problems;
}

/**
 * Checks every container of every pod template: pinned image, resource requests and limits,
 * non-root user without privilege escalation or capabilities, a read-only root file system with
 * an emptyDir /tmp, and, for long-running workloads, `/healthz` and `/readyz` probes.
 */
export function checkContainers(objects: readonly KubernetesObject[]): string[] {
  const problems: string[] = [];
  for (const object of objects) {
    const podSpec = podSpecOf(object);
    if (!podSpec) continue;
    const id = describeObject(object);
    const containers = containersOf(object);
    if (containers.length === 0) problems.push(`${id}: the pod template has no containers`);
    problems.push(...checkPodSecurity(id, podSpec, containers));

    for (const container of containers) {
      const name = `${id} container ${String(container.name)}`;
      const pinProblem = imagePinProblem(String(container.image));
      if (pinProblem) problems.push(`${name}: ${pinProblem}`);
      problems.push(...checkResources(name, container));
      problems.push(...checkWritableTmp(name, podSpec, container));
      if (LONG_RUNNING_KINDS.has(object.kind)) problems.push(...checkProbes(name, container));
    }
  }
  return problems;
}

function containerPortNumber(
  container: Record<string, unknown>,
  port: unknown,
): number | undefined {
  if (typeof port === 'number') return port;
  const ports = Array.isArray(container.ports) ? container.ports.filter(isRecord) : [];
  const match = ports.find((candidate) => candidate.name === port);
  return typeof match?.containerPort === 'number' ? match.containerPort : undefined;
}

/**
 * Checks that the probes of each Orderflow service container target the port the service
 * listens on for them: PORT for the gateway, HEALTH_PORT for the others, as set in its
 * environment.
 */
export function checkProbePorts(
  objects: readonly KubernetesObject[],
  options: EnvironmentOptions = {},
): string[] {
  const problems: string[] = [];
  for (const object of objects.filter((candidate) => LONG_RUNNING_KINDS.has(candidate.kind))) {
    for (const container of containersOf(object)) {
      const service = serviceOfImage(String(container.image));
      const setting = service ? OPS_PORT_SETTING[service] : undefined;
      if (!setting) continue;
      const name = `${describeObject(object)} container ${String(container.name)}`;
      const configured = resolveContainerEnvironment(container, objects, options).variables.get(
        setting,
      );
      const listenPort = Number(configured?.value);
      if (!configured?.value || !Number.isInteger(listenPort) || listenPort === 0) {
        problems.push(`${name}: ${setting} must be set to a fixed port for the probes`);
        continue;
      }
      for (const probe of ['livenessProbe', 'readinessProbe', 'startupProbe']) {
        const httpGet = record(record(container[probe]).httpGet);
        if (httpGet.port === undefined) continue;
        const port = containerPortNumber(container, httpGet.port);
        if (port !== listenPort) {
          problems.push(
            `${name}: ${probe} targets port ${String(httpGet.port)} (${String(port)}), but ${setting} is ${listenPort}`,
          );
        }
      }
    }
  }
  return problems;
}
