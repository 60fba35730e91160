import { lookup as dnsLookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { envList } from '@orderflow/service-kit';
import { classifyAddress } from './address-class';
import { matchesGlob } from './glob';

/** Maximum length of an order link, in characters. */
export const MAX_ORDER_URL_LENGTH = 2_048;

/** The hosts that order links may point at. */
export interface AddressPolicy {
  /**
   * Host names, IP literals or globs (`*.shop.test`) exempt from the private-network block, for
   * example a test site on 127.0.0.1.
   */
  allowHosts: string[];
  /** When non-empty, only links to hosts matching one of these globs are accepted. */
  restrictToHosts: string[];
}

/** Environment variables of the address policy, to spread into a service's config schema. */
export const addressPolicyConfigShape = {
  /** Comma-separated hosts or globs exempt from the private-network block. */
  ADDRESS_POLICY_ALLOW_HOSTS: envList(),
  /** Comma-separated hosts or globs; when set, links to any other host are rejected. */
  ADDRESS_POLICY_RESTRICT_TO_HOSTS: envList(),
};

/** Builds the policy from parsed configuration. */
export function policyFromEnvConfig(config: {
  ADDRESS_POLICY_ALLOW_HOSTS: string[];
  ADDRESS_POLICY_RESTRICT_TO_HOSTS: string[];
}): AddressPolicy {
  return {
    allowHosts: config.ADDRESS_POLICY_ALLOW_HOSTS,
    restrictToHosts: config.ADDRESS_POLICY_RESTRICT_TO_HOSTS,
  };
}

/** Outcome of a link check; `address` names the blocked IP when DNS produced it. */
export type UrlCheck =
  | { ok: true; url: URL }
  | {
      ok: false;
      problem: 'invalid_url' | 'blocked_address' | 'unresolvable_host';
      message: string;
      address?: string;
    };

/** Resolves a host name to all of its addresses. */
export type LookupFn = (hostname: string) => Promise<Array<{ address: string }>>;

const defaultLookup: LookupFn = (hostname) => dnsLookup(hostname, { all: true, verbatim: true });

const IPV4_CHARACTERS = /^[\d.]+$/;

function bareHost(url: URL): string {
  const host = url.hostname.toLowerCase();
  const unbracketed = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  return unbracketed.endsWith('.') ? unbracketed.slice(0, -1) : unbracketed;
}

/** Tells whether a host matches one of the globs; an IPv6 glob may keep its brackets. */
function matchesAny(host: string, globs: string[]): boolean {
  return globs.some((glob) => matchesGlob(host, glob.trim().replace(/^\[|\]$/g, '')));
}

function blocked(url: URL, address: string, kind: string): UrlCheck {
  return {
    ok: false,
    problem: 'blocked_address',
    address,
    message:
      `${url.host} points at ${address}, ${kind}, which order links may not reach; ` +
      'use a public address, or ask the operator to add the host to ADDRESS_POLICY_ALLOW_HOSTS',
  };
}

const CLASS_WORDING: Record<string, string> = {
  loopback: 'a loopback address',
  private: 'a private network address',
  link_local: 'a link-local address (such as a cloud metadata service)',
  unique_local: 'a unique-local IPv6 address',
  multicast: 'a multicast address',
  reserved: 'a reserved address',
  unspecified: 'an unspecified address',
};

function checkAddress(url: URL, address: string): UrlCheck | undefined {
  const kind = classifyAddress(address);
  if (kind === 'public') return undefined;
  return blocked(url, address, CLASS_WORDING[kind] ?? 'a non-public address');
}

/**
 * Checks a link without DNS: an absolute http or https URL with a host, at most
 * {@link MAX_ORDER_URL_LENGTH} characters, no credentials, and no host that is `localhost`,
 * `*.localhost` or an IP literal outside public space. The URL parser turns decimal, hex and
 * octal IPv4 and IPv4-mapped IPv6 spellings into standard form before the check.
 */
export function checkOrderUrl(value: string, policy: AddressPolicy): UrlCheck {
  const text = value.trim();
  if (text.length > MAX_ORDER_URL_LENGTH) {
    return {
      ok: false,
      problem: 'invalid_url',
      message: `the link is ${text.length} characters long; at most ${MAX_ORDER_URL_LENGTH} are allowed`,
    };
  }
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return {
      ok: false,
      problem: 'invalid_url',
      message: 'not an absolute URL; use a full link such as https://shop.example.com/orders/1',
    };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return {
      ok: false,
      problem: 'invalid_url',
      message: `scheme ${url.protocol.slice(0, -1)} is not allowed; use an http or https link`,
    };
  }
  const host = bareHost(url);
  if (!host) {
    return { ok: false, problem: 'invalid_url', message: 'the link has no host name' };
  }

  if (url.username || url.password) {
    return {
      ok: false,
      problem: 'invalid_url',
      message: 'the link contains a user name or password; remove the credentials from the link',
    };
  }

  if (policy.restrictToHosts.length > 0 && !matchesAny(host, policy.restrictToHosts)) {
    return {
      ok: false,
      problem: 'blocked_address',
      message: `host ${host} is not in ADDRESS_POLICY_RESTRICT_TO_HOSTS; links may only point at ${policy.restrictToHosts.join(', ')}`,
    };
  }

  if (matchesAny(host, policy.allowHosts)) return { ok: true, url };
  if (host === 'localhost' || host.endsWith('.localhost')) {
    return blocked(url, host, 'the local machine');
  }
  if (mayBeIpLiteral(host) && isIP(host)) return checkAddress(url, host) ?? { ok: true, url };
  return { ok: true, url };
}

/**
 * Tells cheaply whether a parsed host can be an IP literal: the URL parser writes every IPv4
 * spelling as dotted decimal, and only IPv6 contains a colon. Names skip the costlier isIP.
 */
function mayBeIpLiteral(host: string): boolean {
  return host.includes(':') || IPV4_CHARACTERS.test(host);
}

/**
 * Checks a link like {@link checkOrderUrl}, then resolves its host and checks every address it
 * resolves to, so that a public name pointing at a private address is blocked too. Hosts on the
 * allow-list are not resolved.
 */
export async function checkResolvedUrl(
  value: string | URL,
  policy: AddressPolicy,
  lookup: LookupFn = defaultLookup,
): Promise<UrlCheck> {
  const literal = checkOrderUrl(value.toString(), policy);
  if (!literal.ok) return literal;
  const url = literal.url;
  const host = bareHost(url);
  if (matchesAny(host, policy.allowHosts) || isIP(host)) return literal;

  let addresses: Array<{ address: string }>;
  try {
    addresses = await lookup(host);
  } catch (error) {
    const code = (error as { code?: string }).code ?? 'lookup failed';
    return {
      ok: false,
      problem: 'unresolvable_host',
      message: `host ${host} could not be resolved (${code}); check the link`,
    };
  }
  for (const { address } of addresses) {
    const problem = checkAddress(url, address);
    if (problem) return problem;
  }
  return literal;
}
