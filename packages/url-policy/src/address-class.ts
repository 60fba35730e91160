import { isIPv4, isIPv6 } from 'node:net';

/** The kind of network an IP address belongs to. Only `public` is reachable by default. */
export type AddressClass =
  | 'public'
  | 'loopback'
  | 'private'
  | 'link_local'
  | 'unique_local'
  | 'multicast'
  | 'reserved'
  | 'unspecified';

interface Range {
  base: bigint;
  prefix: number;
  kind: AddressClass | 'embedded_v4';
}

function ipv4ToBigInt(address: string): bigint {
  return address.split('.').reduce((value, octet) => (value << 8n) | BigInt(Number(octet)), 0n);
}

/** Expands an IPv6 address (with an optional dotted IPv4 tail) into a 128-bit integer. */
function ipv6ToBigInt(address: string): bigint {
  let text = address.toLowerCase();
  const zone = text.indexOf('%');
  if (zone >= 0) text = text.slice(0, zone);
  const dotted = text.match(/(\d+\.\d+\.\d+\.\d+)$/);
  if (dotted?.[1]) {
    const v4 = ipv4ToBigInt(dotted[1]);
    text = `${text.slice(0, -dotted[1].length)}${(v4 >> 16n).toString(16)}:${(v4 & 0xffffn).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const headGroups = head ? head.split(':') : [];
  const tailGroups = tail ? tail.split(':') : [];
  const missing = 8 - headGroups.length - tailGroups.length;
  const groups =
    tail === undefined ? headGroups : [...headGroups, ...Array(missing).fill('0'), ...tailGroups];
  return groups.reduce(
    (value, group) => (value << 16n) | BigInt(Number.parseInt(group || '0', 16)),
    0n,
  );
}

function v4(cidr: string, kind: AddressClass): Range {
  const [address = '', prefix = '32'] = cidr.split('/');
  return { base: ipv4ToBigInt(address), prefix: Number(prefix), kind };
}

function v6(cidr: string, kind: Range['kind']): Range {
  const [address = '', prefix = '128'] = cidr.split('/');
  return { base: ipv6ToBigInt(address), prefix: Number(prefix), kind };
}

/** IPv4 special-purpose ranges (IANA IPv4 Special-Purpose Address Registry). */
const IPV4_RANGES: Range[] = [
  v4('0.0.0.0/8', 'unspecified'),
  v4('10.0.0.0/8', 'private'),
  v4('100.64.0.0/10', 'private'),
  v4('127.0.0.0/8', 'loopback'),
  v4('169.254.0.0/16', 'link_local'),
  v4('172.16.0.0/12', 'private'),
  v4('192.0.0.0/24', 'reserved'),
  v4('192.0.2.0/24', 'reserved'),
  v4('192.88.99.0/24', 'reserved'),
  v4('192.168.0.0/16', 'private'),
  v4('198.18.0.0/15', 'reserved'),
  v4('198.51.100.0/24', 'reserved'),
  v4('203.0.113.0/24', 'reserved'),
  v4('224.0.0.0/4', 'multicast'),
  v4('240.0.0.0/4', 'reserved'),
];

/**
 * IPv6 special-purpose ranges (IANA IPv6 Special-Purpose Address Registry). Ranges that embed an
 * IPv4 address (mapped, NAT64, 6to4) are classified by that address.
 */
const IPV6_RANGES: Range[] = [
  v6('::/128', 'unspecified'),
  v6('::1/128', 'loopback'),
  v6('::ffff:0:0/96', 'embedded_v4'),
  v6('64:ff9b::/96', 'embedded_v4'),
  v6('64:ff9b:1::/48', 'reserved'),
  v6('::/96', 'reserved'),
  v6('100::/64', 'reserved'),
  v6('2001::/23', 'reserved'),
  v6('2001:db8::/32', 'reserved'),
  v6('2002::/16', 'embedded_v4'),
  v6('fc00::/7', 'unique_local'),
  v6('fe80::/10', 'link_local'),
  v6('fec0::/10', 'reserved'),
  v6('ff00::/8', 'multicast'),
];

function inRange(value: bigint, range: Range, bits: number): boolean {
  const shift = BigInt(bits - range.prefix);
  return value >> shift === range.base >> shift;
}

function classifyV4(value: bigint): AddressClass {
  if (value === 0xffffffffn) return 'reserved';
  const range = IPV4_RANGES.find((candidate) => inRange(value, candidate, 32));
  return (range?.kind as AddressClass | undefined) ?? 'public';
}

/** Classifies an IPv4 or IPv6 address in its standard text form; anything else is `reserved`. */
export function classifyAddress(address: string): AddressClass {
  if (isIPv4(address)) return classifyV4(ipv4ToBigInt(address));
  if (!isIPv6(address)) return 'reserved';

  const value = ipv6ToBigInt(address);
  const range = IPV6_RANGES.find((candidate) => inRange(value, candidate, 128));
  if (!range) return 'public';
  if (range.kind !== 'embedded_v4') return range.kind;
  const embedded = range.prefix === 16 ? (value >> 80n) & 0xffffffffn : value & 0xffffffffn;
  return classifyV4(embedded);
}
