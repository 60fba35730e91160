import { DEFAULT_MAX_CONCURRENT_ITEMS } from '@orderflow/contracts';
import { ConfigError, parseConfig } from '@orderflow/service-kit';
import { describe, expect, it } from 'vitest';
import { configSchema } from '../src/config';
import { deciderSettings } from '../src/scheduler';

describe('scheduler config', () => {
  it('applies the documented defaults', () => {
    const config = parseConfig(configSchema, {});
    expect(config.MAX_CONCURRENT_BATCH_ITEMS).toBe(5);
    expect(config.MAX_CONCURRENT_PER_HOST).toBe(4);
    expect(config.MAX_CONCURRENT_ITEMS).toBe(DEFAULT_MAX_CONCURRENT_ITEMS);
    expect(config.BATCH_TASK_RETRY_LIMIT).toBe(3);
    expect(config.BATCH_TASK_TIMEOUT).toBe(300);
  });

  it('converts the task timeout from seconds to milliseconds', () => {
    const config = parseConfig(configSchema, { BATCH_TASK_TIMEOUT: '7' });
    expect(deciderSettings(config).attemptTimeoutMs).toBe(7_000);
  });

  it('rejects a renew interval not below the lease TTL', () => {
    const parse = () =>
      parseConfig(configSchema, {
        SCHEDULER_LEASE_TTL_MS: '1000',
        SCHEDULER_LEASE_RENEW_MS: '1000',
      });
    expect(parse).toThrow(ConfigError);
    expect(parse).toThrow(/SCHEDULER_LEASE_RENEW_MS/);
  });

  it('rejects a non-integer limit with the variable name', () => {
    expect(() => parseConfig(configSchema, { MAX_CONCURRENT_PER_HOST: 'many' })).toThrow(
      /MAX_CONCURRENT_PER_HOST \(got "many"\)/,
    );
  });
});
