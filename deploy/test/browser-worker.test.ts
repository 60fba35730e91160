import { describe, expect, it } from 'vitest';
import {
  checkBrowserWorkerScaling,
  type Destination,
  isEgressAllowed,
  isInCidr,
  type KubernetesObject,
  selectsPod,
} from '../src/index';
import {
  environmentOptions,
  getObject,
  type Manifest,
  natsHeadlessHost,
  OVERLAYS,
  type OverlayName,
  renderOverlay,
  WORK_QUEUE,
} from './fixtures';

function scalingProblems(objects: KubernetesObject[], overlay: OverlayName): string[] {
  return checkBrowserWorkerScaling(objects, {
    ...environmentOptions(overlay),
    names: WORK_QUEUE,
    natsHeadlessHost: natsHeadlessHost(objects, overlay),
  });
}

describe.each(OVERLAYS)('%s browser workers', (overlay) => {
  it('pass the scaling and drain checks', () => {
    const objects = renderOverlay(overlay);

    expect(scalingProblems(objects, overlay)).toEqual([]);
  });

  it('trigger on the contracts work stream and consumer', () => {
    const trigger = getObject(renderOverlay(overlay), 'ScaledObject', 'browser-worker').spec
      .triggers[0];

    expect(trigger.type).toBe('nats-jetstream');
    expect(trigger.metadata.stream).toBe(WORK_QUEUE.stream);
    expect(trigger.metadata.consumer).toBe(WORK_QUEUE.consumer);
    expect(trigger.metadata.natsServerMonitoringEndpoint).toBe(
      'nats-headless.orderflow.svc.cluster.local:8222',
    );
  });
});

describe('checkBrowserWorkerScaling', () => {
  function problemsAfter(change: (objects: KubernetesObject[]) => void): string[] {
    const objects = renderOverlay('prod');
    change(objects);
    return scalingProblems(objects, 'prod');
  }
  const trigger = (objects: KubernetesObject[]) =>
    getObject(objects, 'ScaledObject', 'browser-worker').spec.triggers[0].metadata;

  it('reports another stream or consumer', () => {
    const problems = problemsAfter((objects) => {
      trigger(objects).stream = 'ORDERFLOW_EVENTS';
      trigger(objects).consumer = 'gateway-projector';
    });

    expect(problems).toEqual([
      'nats-jetstream trigger: stream ORDERFLOW_EVENTS is not the work stream ORDERFLOW_WORK',
      'nats-jetstream trigger: consumer gateway-projector is not the work consumer browser-workers',
    ]);
  });

  it('reports a lag threshold off concurrency', () => {
    const problems = problemsAfter((objects) => {
      trigger(objects).lagThreshold = '10';
    });

    expect(problems).toEqual([
      'nats-jetstream trigger: lagThreshold 10 differs from WORKER_CONCURRENCY 2',
    ]);
  });

  it('reports a misspelt trigger key', () => {
    const problems = problemsAfter((objects) => {
      const metadata = trigger(objects);
      metadata.lagTreshold = metadata.lagThreshold;
      delete metadata.lagThreshold;
    });

    expect(problems.join('\n')).toMatch(/lagThreshold/);
    expect(problems.join('\n')).toMatch(/lagTreshold/);
  });

  it('reports an endpoint that is not the headless Service', () => {
    const problems = problemsAfter((objects) => {
      trigger(objects).natsServerMonitoringEndpoint = 'nats.orderflow.svc.cluster.local:8222';
    });

    expect(problems.join('\n')).toMatch(/is not the NATS headless Service nats-headless/);
  });

  it('reports a cooldown shorter than an attempt', () => {
    const problems = problemsAfter((objects) => {
      getObject(objects, 'ScaledObject', 'browser-worker').spec.cooldownPeriod = 120;
    });

    expect(problems).toEqual([
      'ScaledObject/orderflow/browser-worker: cooldownPeriod 120 s is not longer than BATCH_TASK_TIMEOUT 300 s',
    ]);
  });

  it('reports the default scale-down window', () => {
    const problems = problemsAfter((objects) => {
      delete getObject(objects, 'ScaledObject', 'browser-worker').spec.advanced;
    });

    expect(problems.join('\n')).toMatch(
      /stabilizationWindowSeconds 300 s is not longer than BATCH_TASK_TIMEOUT 300 s/,
    );
  });

  it('reports too few replicas for MAX_CONCURRENT_ITEMS', () => {
    const problems = problemsAfter((objects) => {
      getObject(objects, 'ScaledObject', 'browser-worker').spec.maxReplicaCount = 5;
    });

    expect(problems.join('\n')).toMatch(
      /maxReplicaCount 5 × WORKER_CONCURRENCY 2 is below MAX_CONCURRENT_ITEMS 40/,
    );
  });

  it('reports a grace period shorter than the drain', () => {
    const problems = problemsAfter((objects) => {
      getObject(
        objects,
        'Deployment',
        'browser-worker',
      ).spec.template.spec.terminationGracePeriodSeconds = 60;
    });

    expect(problems).toEqual([
      'browser-worker: terminationGracePeriodSeconds 60 is not longer than SHUTDOWN_TIMEOUT_MS (330 s)',
    ]);
  });

  it('reports an attempt grace shorter than an attempt', () => {
    const problems = problemsAfter((objects) => {
      getObject(objects, 'ConfigMap', 'browser-worker-config').data!.SHUTDOWN_GRACE_MS = '20000';
    });

    expect(problems).toEqual([
      'browser-worker: SHUTDOWN_GRACE_MS (20 s) is shorter than BATCH_TASK_TIMEOUT (300 s), so a drain cuts attempts short',
    ]);
  });

  it('reports a shutdown timeout inside the attempt grace', () => {
    const problems = problemsAfter((objects) => {
      getObject(objects, 'ConfigMap', 'browser-worker-config').data!.SHUTDOWN_TIMEOUT_MS = '300000';
    });

    expect(problems).toEqual([
      'browser-worker: SHUTDOWN_TIMEOUT_MS (300 s) is not longer than SHUTDOWN_GRACE_MS (300 s)',
    ]);
  });

  it('reports the default attempt grace', () => {
    const problems = problemsAfter((objects) => {
      delete getObject(objects, 'ConfigMap', 'browser-worker-config').data!.SHUTDOWN_GRACE_MS;
    });

    expect(problems).toEqual([
      'browser-worker: SHUTDOWN_GRACE_MS must be set explicitly to an integer so the scaling and shutdown checks can use it',
    ]);
  });

  it('reports a raised attempt timeout', () => {
    const problems = problemsAfter((objects) => {
      getObject(objects, 'ConfigMap', 'scheduler-config').data!.BATCH_TASK_TIMEOUT = '900';
    });

    expect(problems.length).toBeGreaterThanOrEqual(3);
    expect(problems.join('\n')).toMatch(
      /cooldownPeriod 600 s is not longer than BATCH_TASK_TIMEOUT 900 s/,
    );
  });

  it('reports a /dev/shm that is not memory-backed', () => {
    const problems = problemsAfter((objects) => {
      const volumes = getObject(objects, 'Deployment', 'browser-worker').spec.template.spec.volumes;
      delete volumes.find((volume: Manifest) => volume.name === 'dshm').emptyDir.medium;
    });

    expect(problems).toEqual([
      'browser-worker: /dev/shm is not a memory-backed emptyDir (medium: Memory)',
    ]);
  });
});

const NATS_POD = { 'app.kubernetes.io/name': 'nats', 'app.kubernetes.io/instance': 'nats' };
const KUBE_DNS = {
  podLabels: { 'k8s-app': 'kube-dns' },
  namespaceLabels: { 'kubernetes.io/metadata.name': 'kube-system' },
};

const ALLOWED: Array<[string, Destination]> = [
  ['a public IPv4 site over HTTPS', { ip: '93.184.215.14', port: 443, protocol: 'TCP' }],
  ['a public IPv4 site over HTTP', { ip: '8.8.8.8', port: 80, protocol: 'TCP' }],
  ['a public IPv6 site over HTTPS', { ip: '2606:4700:4700::1111', port: 443, protocol: 'TCP' }],
  ['NATS clients port', { podLabels: NATS_POD, port: 4222, protocol: 'TCP' }],
  ['cluster DNS over UDP', { ...KUBE_DNS, port: 53, protocol: 'UDP' }],
  ['cluster DNS over TCP', { ...KUBE_DNS, port: 53, protocol: 'TCP' }],
];

const DENIED: Array<[string, Destination]> = [
  ['the cloud metadata address', { ip: '169.254.169.254', port: 80, protocol: 'TCP' }],
  ['the IPv6 metadata address', { ip: 'fd00:ec2::254', port: 80, protocol: 'TCP' }],
  ['a 10/8 pod address', { ip: '10.42.0.17', port: 443, protocol: 'TCP' }],
  ['a 172.16/12 service address', { ip: '172.20.0.10', port: 443, protocol: 'TCP' }],
  ['a 192.168/16 host', { ip: '192.168.1.1', port: 80, protocol: 'TCP' }],
  ['a shared-address-space host', { ip: '100.64.0.1', port: 443, protocol: 'TCP' }],
  ['loopback', { ip: '127.0.0.1', port: 80, protocol: 'TCP' }],
  ['an IPv6 link-local host', { ip: 'fe80::1', port: 443, protocol: 'TCP' }],
  ['an IPv4-mapped private address', { ip: '::ffff:10.0.0.1', port: 443, protocol: 'TCP' }],
  ['IPv6 loopback', { ip: '::1', port: 443, protocol: 'TCP' }],
  ['a public host on SSH', { ip: '93.184.215.14', port: 22, protocol: 'TCP' }],
  ['NATS monitoring', { podLabels: NATS_POD, port: 8222, protocol: 'TCP' }],
  [
    'the gateway pod',
    { podLabels: { 'app.kubernetes.io/name': 'gateway' }, port: 8000, protocol: 'TCP' },
  ],
  [
    'Postgres in another namespace',
    {
      podLabels: { 'cnpg.io/cluster': 'orderflow-postgres' },
      namespaceLabels: {},
      port: 5432,
      protocol: 'TCP',
    },
  ],
];

/** Lists the destinations whose verdict differs from the expected one. */
function verdictMismatches(policy: KubernetesObject): string[] {
  return [
    ...ALLOWED.filter(([, destination]) => !isEgressAllowed(policy, destination)).map(
      ([name]) => `denied: ${name}`,
    ),
    ...DENIED.filter(([, destination]) => isEgressAllowed(policy, destination)).map(
      ([name]) => `allowed: ${name}`,
    ),
  ];
}

describe.each(OVERLAYS)('%s browser-worker NetworkPolicy', (overlay) => {
  const policy = () => getObject(renderOverlay(overlay), 'NetworkPolicy', 'browser-worker');

  it('selects the browser-worker pods', () => {
    const template = getObject(renderOverlay(overlay), 'Deployment', 'browser-worker').spec
      .template;

    expect(selectsPod(policy(), template.metadata.labels)).toBe(true);
    expect(selectsPod(policy(), { 'app.kubernetes.io/name': 'gateway' })).toBe(false);
  });

  it('allows NATS, DNS and public web sites only', () => {
    expect(verdictMismatches(policy())).toEqual([]);
  });
});

describe('NetworkPolicy evaluation', () => {
  it('catches a policy without the private ranges excluded', () => {
    const policy = structuredClone(
      getObject(renderOverlay('prod'), 'NetworkPolicy', 'browser-worker'),
    );
    for (const peer of policy.spec.egress[2].to) delete peer.ipBlock.except;

    const mismatches = verdictMismatches(policy);

    expect(mismatches).toContain('allowed: the cloud metadata address');
    expect(mismatches).toContain('allowed: a 10/8 pod address');
    expect(mismatches).toContain('allowed: an IPv6 link-local host');
  });

  it('catches a policy that opens every port', () => {
    const policy = structuredClone(
      getObject(renderOverlay('prod'), 'NetworkPolicy', 'browser-worker'),
    );
    delete policy.spec.egress[2].ports;

    expect(verdictMismatches(policy)).toEqual(['allowed: a public host on SSH']);
  });

  it('catches a policy that forgets Egress', () => {
    const policy = structuredClone(
      getObject(renderOverlay('prod'), 'NetworkPolicy', 'browser-worker'),
    );
    policy.spec.policyTypes = ['Ingress'];

    expect(verdictMismatches(policy).length).toBe(DENIED.length);
  });

  it.each([
    ['10.1.2.3', '10.0.0.0/8', true],
    ['11.0.0.1', '10.0.0.0/8', false],
    ['172.31.255.255', '172.16.0.0/12', true],
    ['172.32.0.1', '172.16.0.0/12', false],
    ['fd00:ec2::254', 'fc00::/7', true],
    ['2001:db8::1', 'fc00::/7', false],
    ['::ffff:192.168.0.1', '::ffff:0:0/96', true],
    ['10.0.0.1', '::/0', false],
  ])('places %s in %s: %s', (address, cidr, expected) => {
    expect(isInCidr(address, cidr)).toBe(expected);
  });
});
