import { describe, expect, it } from 'vitest';
import { type AddressPolicy, checkOrderUrl, checkResolvedUrl, type UrlCheck } from '../src/index';

const open: AddressPolicy = { allowHosts: [], restrictToHosts: [] };

/** Returns the failure of a check, failing the test when the check passed. */
function rejected(result: UrlCheck): Extract<UrlCheck, { ok: false }> {
  if (result.ok) throw new Error(`expected a rejection, got ${result.url.href}`);
  return result;
}

/** Returns the URL of a passed check, failing the test when the check failed. */
function accepted(result: UrlCheck): URL {
  if (!result.ok) throw new Error(`expected the link to pass, got: ${result.message}`);
  return result.url;
}

describe('checkOrderUrl', () => {
  it('accepts public http and https links', () => {
    const url = accepted(checkOrderUrl(' https://shop.example.com/orders/1?x=2 ', open));
    expect(url.href).toBe('https://shop.example.com/orders/1?x=2');
    expect(checkOrderUrl('http://93.184.216.34/o', open).ok).toBe(true);
  });

  it.each([
    ['shop.example.com/orders/1', 'not an absolute URL'],
    ['/orders/1', 'not an absolute URL'],
    ['ftp://shop.example.com/x', 'scheme ftp is not allowed'],
    ['javascript:alert(1)', 'scheme javascript is not allowed'],
    ['https://user:pw@shop.example.com/', 'contains a user name or password'],
    [`https://shop.example.com/${'a'.repeat(2_100)}`, 'at most 2048 are allowed'],
  ])('rejects %s as invalid', (link, message) => {
    const failure = rejected(checkOrderUrl(link, open));
    expect(failure.problem).toBe('invalid_url');
    expect(failure.message).toContain(message);
  });

  it.each([
    'http://127.0.0.1/',
    'http://2130706433/',
    'http://0x7f000001/',
    'http://0177.0.0.1/',
    'http://127.1/',
    'http://0x7f.1/',
    'http://[::1]/',
    'http://[::ffff:127.0.0.1]/',
    'http://[::ffff:a9fe:a9fe]/latest/meta-data',
    'http://169.254.169.254/latest/meta-data',
    'http://10.0.0.5:5432/',
    'http://192.168.0.1/admin',
    'http://[fd00::1]/',
    'http://[fe80::1]/',
    'http://224.0.0.1/',
    'http://0.0.0.0/',
    'http://localhost/',
    'http://LOCALHOST./',
    'http://admin.localhost/',
  ])('blocks %s', (link) => {
    const failure = rejected(checkOrderUrl(link, open));
    expect(failure.problem).toBe('blocked_address');
    expect(failure.message).toContain('ADDRESS_POLICY_ALLOW_HOSTS');
  });

  it('lets the allow-list through', () => {
    const policy: AddressPolicy = { allowHosts: ['127.0.0.1', '*.shop.test'], restrictToHosts: [] };
    expect(checkOrderUrl('http://127.0.0.1:8080/orders/1', policy).ok).toBe(true);
    expect(checkOrderUrl('http://2130706433/', policy).ok).toBe(true);
    expect(checkOrderUrl('http://127.0.0.2/', policy).ok).toBe(false);
  });

  it('restricts links to the listed hosts', () => {
    const policy: AddressPolicy = {
      allowHosts: [],
      restrictToHosts: ['*.shop.example', 'orders.example.com'],
    };
    expect(checkOrderUrl('https://eu.shop.example/o/1', policy).ok).toBe(true);
    expect(checkOrderUrl('https://orders.example.com/o/1', policy).ok).toBe(true);
    const other = rejected(checkOrderUrl('https://evil.example.net/o/1', policy));
    expect(other.message).toContain('not in ADDRESS_POLICY_RESTRICT_TO_HOSTS');
  });
});

describe('checkResolvedUrl', () => {
  const resolvesTo =
    (...addresses: string[]) =>
    async () =>
      addresses.map((address) => ({ address }));

  it('blocks a name that resolves to a private address', async () => {
    const result = await checkResolvedUrl(
      'https://rebind.example/',
      open,
      resolvesTo('93.184.216.34', '10.0.0.7'),
    );
    expect(rejected(result).address).toBe('10.0.0.7');
  });

  it('accepts a name that resolves to public addresses only', async () => {
    const result = await checkResolvedUrl(
      'https://shop.example/',
      open,
      resolvesTo('93.184.216.34'),
    );
    expect(result.ok).toBe(true);
  });

  it('reports a name that does not resolve', async () => {
    const failing = async () => {
      throw Object.assign(new Error('not found'), { code: 'ENOTFOUND' });
    };
    const result = await checkResolvedUrl('https://missing.example/', open, failing);
    const failure = rejected(result);
    expect(failure.problem).toBe('unresolvable_host');
    expect(failure.message).toContain('ENOTFOUND');
  });

  it('does not resolve allowed hosts', async () => {
    const policy: AddressPolicy = { allowHosts: ['shop.test'], restrictToHosts: [] };
    const never = async (): Promise<Array<{ address: string }>> => {
      throw new Error('lookup must not run');
    };
    expect((await checkResolvedUrl('http://shop.test/', policy, never)).ok).toBe(true);
  });
});
