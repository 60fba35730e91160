import { z } from 'zod';
import { type EnvironmentOptions, resolveContainerEnvironment } from './environment';
import { serviceOfImage } from './images';
import { containersOf, podSpecOf } from './kustomize';
import { describeObject, isRecord, type KubernetesObject } from './objects';

/** Names the KEDA trigger must carry, from packages/contracts. */
export interface WorkQueueNames {
  stream: string;
  consumer: string;
}

/**
 * Metadata of KEDA's `nats-jetstream` trigger, where every value is a string. KEDA ignores
 * unknown keys and falls back to a lag threshold of 10, so a misspelt key is rejected here.
 */
export const natsJetStreamTriggerSchema = z.strictObject({
  natsServerMonitoringEndpoint: z.string().regex(/^[a-z0-9.-]+:[0-9]+$/, {
    error: 'must be host:port of the NATS monitoring endpoint, without a scheme',
  }),
  account: z.string(),
  stream: z.string(),
  consumer: z.string(),
  lagThreshold: z.string().regex(/^[1-9][0-9]*$/, { error: 'must be a positive integer string' }),
  activationLagThreshold: z
    .string()
    .regex(/^[0-9]+$/)
    .optional(),
  useHttps: z.enum(['true', 'false']).optional(),
});

function record(value: unknown): Record<string, unknown> {
  return isRecord(value) ? value : {};
}

/** Finds the Deployment and container of a service by its image, with its environment. */
export function findServiceContainer(
  objects: readonly KubernetesObject[],
  service: string,
  options: EnvironmentOptions = {},
) {
  for (const object of objects) {
    if (object.kind !== 'Deployment') continue;
    const container = containersOf(object).find(
      (candidate) => serviceOfImage(String(candidate.image)) === service,
    );
    if (container) {
      const environment = resolveContainerEnvironment(container, objects, options).variables;
      const setting = (name: string) => environment.get(name)?.value;
      return { deployment: object, container, setting };
    }
  }
  return undefined;
}

function integerSetting(
  value: string | undefined,
  name: string,
  service: string,
  problems: string[],
): number | undefined {
  const number = Number(value);
  if (value === undefined || !Number.isInteger(number)) {
    problems.push(
      `${service}: ${name} must be set explicitly to an integer so the scaling and shutdown checks can use it`,
    );
    return undefined;
  }
  return number;
}

/** Facts about the browser workers that the checks compare with each other. */
interface WorkerFacts {
  concurrency?: number;
  /** Time running attempts may go on after SIGTERM (SHUTDOWN_GRACE_MS). */
  attemptGraceSeconds?: number;
  /** Time the whole shutdown may take before the process exits anyway (SHUTDOWN_TIMEOUT_MS). */
  shutdownTimeoutSeconds?: number;
  attemptTimeoutSeconds?: number;
  maxConcurrentItems?: number;
}

function checkScaledObject(
  scaledObject: KubernetesObject,
  names: WorkQueueNames,
  facts: WorkerFacts,
  natsHeadlessHost: string | undefined,
): string[] {
  const problems: string[] = [];
  const id = describeObject(scaledObject);
  const spec = record(scaledObject.spec);
  const triggers = Array.isArray(spec.triggers) ? spec.triggers.filter(isRecord) : [];
  const trigger = triggers.find((candidate) => candidate.type === 'nats-jetstream');
  if (!trigger) return [`${id}: no nats-jetstream trigger`];

  const parsed = natsJetStreamTriggerSchema.safeParse(trigger.metadata);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      problems.push(
        `nats-jetstream trigger: ${issue.path.join('.') || 'metadata'} ${issue.message}`,
      );
    }
    return problems;
  }
  const metadata = parsed.data;
  if (metadata.stream !== names.stream) {
    problems.push(
      `nats-jetstream trigger: stream ${metadata.stream} is not the work stream ${names.stream}`,
    );
  }
  if (metadata.consumer !== names.consumer) {
    problems.push(
      `nats-jetstream trigger: consumer ${metadata.consumer} is not the work consumer ${names.consumer}`,
    );
  }
  const host = metadata.natsServerMonitoringEndpoint.split(':')[0];
  if (natsHeadlessHost && host !== natsHeadlessHost) {
    problems.push(
      `nats-jetstream trigger: endpoint host ${host} is not the NATS headless Service ${natsHeadlessHost}`,
    );
  }
  if (facts.concurrency !== undefined && Number(metadata.lagThreshold) !== facts.concurrency) {
    problems.push(
      `nats-jetstream trigger: lagThreshold ${metadata.lagThreshold} differs from WORKER_CONCURRENCY ${facts.concurrency}`,
    );
  }

  const timeout = facts.attemptTimeoutSeconds;
  if (timeout !== undefined) {
    const cooldown = Number(spec.cooldownPeriod ?? 300);
    if (!(cooldown > timeout)) {
      problems.push(
        `${id}: cooldownPeriod ${cooldown} s is not longer than BATCH_TASK_TIMEOUT ${timeout} s`,
      );
    }
    const behavior = record(record(record(spec.advanced).horizontalPodAutoscalerConfig).behavior);
    const window = Number(record(behavior.scaleDown).stabilizationWindowSeconds ?? 300);
    if (!(window > timeout)) {
      problems.push(
        `${id}: scale-down stabilizationWindowSeconds ${window} s is not longer than BATCH_TASK_TIMEOUT ${timeout} s`,
      );
    }
  }

  const maxReplicas = Number(spec.maxReplicaCount ?? 100);
  if (facts.concurrency !== undefined && facts.maxConcurrentItems !== undefined) {
    if (maxReplicas * facts.concurrency < facts.maxConcurrentItems) {
      problems.push(
        `${id}: maxReplicaCount ${maxReplicas} × WORKER_CONCURRENCY ${facts.concurrency} is below MAX_CONCURRENT_ITEMS ${facts.maxConcurrentItems}`,
      );
    }
  }
  return problems;
}

function checkGracePeriod(deployment: KubernetesObject, facts: WorkerFacts): string[] {
  const grace = Number(podSpecOf(deployment)?.terminationGracePeriodSeconds ?? 30);
  const { attemptTimeoutSeconds: timeout, attemptGraceSeconds: drain } = facts;
  const shutdown = facts.shutdownTimeoutSeconds;
  const problems: string[] = [];
  if (timeout === undefined || drain === undefined || shutdown === undefined) return problems;
  if (drain < timeout) {
    problems.push(
      `browser-worker: SHUTDOWN_GRACE_MS (${drain} s) is shorter than BATCH_TASK_TIMEOUT (${timeout} s), so a drain cuts attempts short`,
    );
  }
  if (!(shutdown > drain)) {
    problems.push(
      `browser-worker: SHUTDOWN_TIMEOUT_MS (${shutdown} s) is not longer than SHUTDOWN_GRACE_MS (${drain} s)`,
    );
  }
  if (!(grace > shutdown)) {
    problems.push(
      `browser-worker: terminationGracePeriodSeconds ${grace} is not longer than SHUTDOWN_TIMEOUT_MS (${shutdown} s)`,
    );
  }
  return problems;
}

function checkSharedMemory(
  deployment: KubernetesObject,
  container: Record<string, unknown>,
): string[] {
  const mounts = Array.isArray(container.volumeMounts)
    ? container.volumeMounts.filter(isRecord)
    : [];
  const mount = mounts.find((candidate) => candidate.mountPath === '/dev/shm');
  const volumes = podSpecOf(deployment)?.volumes;
  const volume = Array.isArray(volumes)
    ? volumes.filter(isRecord).find((candidate) => candidate.name === mount?.name)
    : undefined;
  if (record(volume?.emptyDir).medium !== 'Memory') {
    return ['browser-worker: /dev/shm is not a memory-backed emptyDir (medium: Memory)'];
  }
  return [];
}

/** Options of {@link checkBrowserWorkerScaling}. */
export interface WorkerScalingOptions extends EnvironmentOptions {
  names: WorkQueueNames;
  /** Host of the NATS headless Service that the trigger must name, when known. */
  natsHeadlessHost?: string;
}

/**
 * Checks the browser workers' scaling and shutdown against each other and the scheduler's
 * settings. The KEDA trigger must name the work stream, consumer and NATS headless Service with
 * a lag threshold of WORKER_CONCURRENCY, and its cooldown and scale-down window must outlast an
 * attempt. Maximum replicas must cover MAX_CONCURRENT_ITEMS. On SIGTERM running attempts must be
 * allowed a whole attempt (SHUTDOWN_GRACE_MS), inside SHUTDOWN_TIMEOUT_MS, inside the pod's
 * grace period. /dev/shm must be memory-backed.
 */
export function checkBrowserWorkerScaling(
  objects: readonly KubernetesObject[],
  options: WorkerScalingOptions,
): string[] {
  const worker = findServiceContainer(objects, 'browser-worker', options);
  const scheduler = findServiceContainer(objects, 'scheduler', options);
  if (!worker) return ['no Deployment runs the browser-worker image'];
  if (!scheduler) return ['no Deployment runs the scheduler image'];

  const problems: string[] = [];
  const workerSetting = (name: string) =>
    integerSetting(worker.setting(name), name, 'browser-worker', problems);
  const graceMs = workerSetting('SHUTDOWN_GRACE_MS');
  const shutdownMs = workerSetting('SHUTDOWN_TIMEOUT_MS');
  const facts: WorkerFacts = {
    concurrency: workerSetting('WORKER_CONCURRENCY'),
    attemptGraceSeconds: graceMs === undefined ? undefined : graceMs / 1000,
    shutdownTimeoutSeconds: shutdownMs === undefined ? undefined : shutdownMs / 1000,
    attemptTimeoutSeconds: integerSetting(
      scheduler.setting('BATCH_TASK_TIMEOUT'),
      'BATCH_TASK_TIMEOUT',
      'scheduler',
      problems,
    ),
    maxConcurrentItems: integerSetting(
      scheduler.setting('MAX_CONCURRENT_ITEMS'),
      'MAX_CONCURRENT_ITEMS',
      'scheduler',
      problems,
    ),
  };

  const scaledObjects = objects.filter(
    (object) =>
      object.kind === 'ScaledObject' &&
      record(record(object.spec).scaleTargetRef).name === worker.deployment.metadata.name,
  );
  if (scaledObjects.length !== 1) {
    problems.push(
      `expected one ScaledObject for Deployment ${worker.deployment.metadata.name}, found ${scaledObjects.length}`,
    );
  } else {
    problems.push(
      ...checkScaledObject(scaledObjects[0]!, options.names, facts, options.natsHeadlessHost),
    );
  }
  problems.push(...checkGracePeriod(worker.deployment, facts));
  problems.push(...checkSharedMemory(worker.deployment, worker.container));
  return problems;
}

/** Returns the HorizontalPodAutoscaler for a Deployment, if any. */
export function findAutoscaler(objects: readonly KubernetesObject[], deployment: string) {
  return objects.find(
    (object) =>
      object.kind === 'HorizontalPodAutoscaler' &&
      record(record(object.spec).scaleTargetRef).name === deployment,
  );
}
