import { isIP } from 'node:net';
import { isRecord, type KubernetesObject } from './objects';

/** A destination of a connection, for {@link isEgressAllowed}. */
export interface Destination {
  /** IP address, for destinations outside the cluster's pods. */
  ip?: string;
  /** Labels of the destination pod, for pods in the cluster. */
  podLabels?: Record<string, string>;
  /** Labels of the destination pod's namespace; a pod in the policy's namespace when absent. */
  namespaceLabels?: Record<string, string>;
  port: number;
  protocol: 'TCP' | 'UDP';
}

function ipToBigInt(address: string): { value: bigint; bits: number } {
  const version = isIP(address);
  if (version === 4) {
    const value = address.split('.').reduce((sum, part) => (sum << 8n) + BigInt(Number(part)), 0n);
    return { value, bits: 32 };
  }
  if (version !== 6) throw new Error(`${address} is not an IP address`);

  const [head = '', tail] = address.split('::') as [string, string | undefined];
  const parse = (part: string) => (part === '' ? [] : part.split(':'));
  let groups = [...parse(head)];
  let tailGroups = tail === undefined ? [] : parse(tail);
  // An embedded IPv4 address (::ffff:10.0.0.1) stands for the last two groups.
  const expandIpv4 = (list: string[]) => {
    const last = list.at(-1);
    if (last === undefined || !last.includes('.')) return list;
    const v4 = ipToBigInt(last).value;
    return [...list.slice(0, -1), (v4 >> 16n).toString(16), (v4 & 0xffffn).toString(16)];
  };
  if (tail === undefined) groups = expandIpv4(groups);
  else tailGroups = expandIpv4(tailGroups);
  const missing = 8 - groups.length - tailGroups.length;
  const all = [
    ...groups,
    ...Array<string>(tail === undefined ? 0 : missing).fill('0'),
    ...tailGroups,
  ];
  const value = all.reduce((sum, group) => (sum << 16n) + BigInt(Number.parseInt(group, 16)), 0n);
  return { value, bits: 128 };
}

/** Tells whether an IP address lies inside a CIDR block of the same IP version. */
export function isInCidr(address: string, cidr: string): boolean {
  const [network = '', prefixText] = cidr.split('/');
  const ip = ipToBigInt(address);
  const base = ipToBigInt(network);
  if (ip.bits !== base.bits) return false;
  const prefix = BigInt(prefixText === undefined ? base.bits : Number(prefixText));
  const shift = BigInt(base.bits) - prefix;
  return ip.value >> shift === base.value >> shift;
}

function matchesSelector(selector: unknown, labels: Record<string, string>): boolean {
  if (!isRecord(selector)) return false;
  const matchLabels = isRecord(selector.matchLabels) ? selector.matchLabels : {};
  for (const [key, value] of Object.entries(matchLabels)) {
    if (labels[key] !== value) return false;
  }
  const expressions = Array.isArray(selector.matchExpressions) ? selector.matchExpressions : [];
  for (const expression of expressions.filter(isRecord)) {
    const key = String(expression.key);
    const values = Array.isArray(expression.values) ? expression.values : [];
    const has = key in labels;
    const passes = {
      In: has && values.includes(labels[key]),
      NotIn: !has || !values.includes(labels[key]),
      Exists: has,
      DoesNotExist: !has,
    }[String(expression.operator)];
    if (!passes) return false;
  }
  return true;
}

function peerMatches(peer: Record<string, unknown>, destination: Destination): boolean {
  if (isRecord(peer.ipBlock)) {
    if (destination.ip === undefined) return false;
    const cidr = String(peer.ipBlock.cidr);
    const except = Array.isArray(peer.ipBlock.except) ? peer.ipBlock.except.map(String) : [];
    return (
      isInCidr(destination.ip, cidr) && !except.some((block) => isInCidr(destination.ip!, block))
    );
  }
  if (destination.podLabels === undefined) return false;
  if (isRecord(peer.namespaceSelector)) {
    if (!matchesSelector(peer.namespaceSelector, destination.namespaceLabels ?? {})) return false;
  } else if (destination.namespaceLabels !== undefined) {
    // A podSelector alone selects pods in the policy's own namespace only.
    return false;
  }
  return peer.podSelector === undefined || matchesSelector(peer.podSelector, destination.podLabels);
}

function portMatches(rule: Record<string, unknown>, destination: Destination): boolean {
  if (!Array.isArray(rule.ports) || rule.ports.length === 0) return true;
  return rule.ports.filter(isRecord).some((port) => {
    const protocol = port.protocol ?? 'TCP';
    if (protocol !== destination.protocol) return false;
    if (port.port === undefined) return true;
    const end = typeof port.endPort === 'number' ? port.endPort : port.port;
    return (
      typeof port.port === 'number' &&
      destination.port >= port.port &&
      destination.port <= Number(end)
    );
  });
}

/**
 * Evaluates the egress rules of one NetworkPolicy for a destination, as a CNI plugin would for a
 * pod the policy selects. A policy without Egress in policyTypes allows everything. Named ports
 * are not supported.
 */
export function isEgressAllowed(policy: KubernetesObject, destination: Destination): boolean {
  const spec = isRecord(policy.spec) ? policy.spec : {};
  const types = Array.isArray(spec.policyTypes) ? spec.policyTypes : [];
  if (!types.includes('Egress')) return true;
  const rules = Array.isArray(spec.egress) ? spec.egress.filter(isRecord) : [];
  return rules.some((rule) => {
    if (!portMatches(rule, destination)) return false;
    if (!Array.isArray(rule.to) || rule.to.length === 0) return true;
    return rule.to.filter(isRecord).some((peer) => peerMatches(peer, destination));
  });
}

/** Tells whether a NetworkPolicy selects pods with the given labels. */
export function selectsPod(policy: KubernetesObject, labels: Record<string, string>): boolean {
  const spec = isRecord(policy.spec) ? policy.spec : {};
  return matchesSelector(spec.podSelector, labels);
}
