import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_API_URL, resolveConnection } from '../src/connection';
import { UsageError } from '../src/errors';

describe('resolveConnection', () => {
  let rootDir: string;

  beforeEach(() => {
    rootDir = mkdtempSync(join(tmpdir(), 'orderflow-cli-'));
  });

  afterEach(() => {
    rmSync(rootDir, { recursive: true, force: true });
  });

  it('uses the default address without a token', () => {
    expect(resolveConnection({ env: {}, rootDir })).toEqual({ apiUrl: DEFAULT_API_URL });
  });

  it('prefers flags over the environment', () => {
    const connection = resolveConnection({
      apiUrl: 'http://127.0.0.1:9001',
      token: 'flag-token',
      env: { ORDERFLOW_API_URL: 'http://127.0.0.1:9002', ORDERFLOW_API_TOKEN: 'env-token' },
      rootDir,
    });

    expect(connection).toEqual({ apiUrl: 'http://127.0.0.1:9001', token: 'flag-token' });
  });

  it('reads the environment', () => {
    const connection = resolveConnection({
      env: { ORDERFLOW_API_URL: 'http://127.0.0.1:9002/', ORDERFLOW_API_TOKEN: 'env-token' },
      rootDir,
    });

    expect(connection).toEqual({ apiUrl: 'http://127.0.0.1:9002', token: 'env-token' });
  });

  it('reads the token file of the local stack', () => {
    mkdirData(rootDir, 'file-token\n');

    expect(resolveConnection({ env: {}, rootDir }).token).toBe('file-token');
  });

  it('prefers the environment token over the file', () => {
    mkdirData(rootDir, 'file-token\n');

    const connection = resolveConnection({ env: { ORDERFLOW_API_TOKEN: 'env-token' }, rootDir });

    expect(connection.token).toBe('env-token');
  });

  it('strips the REST base path from the address', () => {
    const connection = resolveConnection({
      apiUrl: 'http://127.0.0.1:8000/api/v1/batch-tasks/',
      env: {},
      rootDir,
    });

    expect(connection.apiUrl).toBe('http://127.0.0.1:8000');
  });

  it('keeps a path prefix of a proxy', () => {
    const connection = resolveConnection({
      apiUrl: 'http://127.0.0.1/orderflow',
      env: {},
      rootDir,
    });

    expect(connection.apiUrl).toBe('http://127.0.0.1/orderflow');
  });

  it.each(['not a url', 'ftp://127.0.0.1'])('rejects address %j', (apiUrl) => {
    expect(() => resolveConnection({ apiUrl, env: {}, rootDir })).toThrow(UsageError);
  });
});

function mkdirData(rootDir: string, token: string): void {
  const dataDir = join(rootDir, '.data');
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(join(dataDir, 'api-token'), token);
}
