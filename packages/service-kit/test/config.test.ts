import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { baseConfigShape, ConfigError, envBool, envInt, envList, parseConfig } from '../src/index';

const schema = z.object({
  ...baseConfigShape,
  WORKER_CONCURRENCY: envInt(2, 1, 64),
  AUTH_DISABLED: envBool(false),
  API_TOKENS: envList(),
});

describe('parseConfig', () => {
  it('applies defaults', () => {
    const config = parseConfig(schema, {});
    expect(config.NATS_URL).toBe('nats://127.0.0.1:4222');
    expect(config.WORKER_CONCURRENCY).toBe(2);
    expect(config.AUTH_DISABLED).toBe(false);
    expect(config.API_TOKENS).toEqual([]);
  });

  it('converts values', () => {
    const config = parseConfig(schema, {
      WORKER_CONCURRENCY: '8',
      AUTH_DISABLED: 'yes',
      API_TOKENS: 'a, b,,c',
      UNRELATED: 'ignored',
    });
    expect(config.WORKER_CONCURRENCY).toBe(8);
    expect(config.AUTH_DISABLED).toBe(true);
    expect(config.API_TOKENS).toEqual(['a', 'b', 'c']);
  });

  it('treats an empty value as unset', () => {
    expect(parseConfig(schema, { WORKER_CONCURRENCY: '' }).WORKER_CONCURRENCY).toBe(2);
  });

  it('names every bad variable with its value and the rule', () => {
    let error: unknown;
    try {
      parseConfig(schema, { WORKER_CONCURRENCY: '0', AUTH_DISABLED: 'maybe', LOG_LEVEL: 'loud' });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.join('\n');
    expect(problems).toContain('WORKER_CONCURRENCY (got "0"): must be at least 1');
    expect(problems).toContain('AUTH_DISABLED (got "maybe"): must be true or false');
    expect(problems).toContain('LOG_LEVEL (got "loud")');
  });

  it('rejects a non-integer', () => {
    expect(() => parseConfig(schema, { WORKER_CONCURRENCY: '2.5' })).toThrow(
      'WORKER_CONCURRENCY (got "2.5"): must be an integer',
    );
  });
});
