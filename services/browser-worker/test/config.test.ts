import { ConfigError, parseConfig } from '@orderflow/service-kit';
import { describe, expect, it } from 'vitest';
import { configSchema } from '../src/config';

describe('browser worker config', () => {
  it('applies the defaults', () => {
    const config = parseConfig(configSchema, {});
    expect(config.WORKER_CONCURRENCY).toBe(2);
    expect(config.CHROMIUM_CONFINE).toBe(false);
    expect(config.SHUTDOWN_GRACE_MS).toBe(20_000);
    expect(config.ADDRESS_POLICY_ALLOW_HOSTS).toEqual([]);
    expect(config.DEFAULT_RECIPE_CONFIRM_SELECTOR).toBe('#confirm-button');
  });

  it('parses lists and booleans', () => {
    const config = parseConfig(configSchema, {
      ADDRESS_POLICY_ALLOW_HOSTS: '127.0.0.1, *.shop.test',
      CHROMIUM_CONFINE: 'yes',
    });
    expect(config.ADDRESS_POLICY_ALLOW_HOSTS).toEqual(['127.0.0.1', '*.shop.test']);
    expect(config.CHROMIUM_CONFINE).toBe(true);
  });

  it('names an invalid concurrency', () => {
    expect(() => parseConfig(configSchema, { WORKER_CONCURRENCY: '0' })).toThrow(ConfigError);
    expect(() => parseConfig(configSchema, { WORKER_CONCURRENCY: '0' })).toThrow(
      /WORKER_CONCURRENCY \(got "0"\): must be at least 1/,
    );
  });
});
