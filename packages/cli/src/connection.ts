import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { API_BASE_PATH } from '@orderflow/contracts';
import { UsageError } from './errors';

/** Gateway address when neither `--api-url` nor `ORDERFLOW_API_URL` is set. */
export const DEFAULT_API_URL = 'http://127.0.0.1:8000';

/** Address and token for reaching the gateway. */
export interface Connection {
  /** Origin of the gateway plus any path prefix, without a trailing slash. */
  apiUrl: string;
  /** Bearer token, or undefined to send requests without one. */
  token?: string;
}

/** Inputs of {@link resolveConnection}. */
export interface ConnectionSources {
  apiUrl?: string;
  token?: string;
  env: Record<string, string | undefined>;
  /** Repository root, whose `.data/api-token` the local stack writes. */
  rootDir: string;
}

/**
 * Picks the API address and token: flags first, then `ORDERFLOW_API_URL` and
 * `ORDERFLOW_API_TOKEN`, then the default address and the token file that `npm start` writes
 * (in `ORDERFLOW_DATA_DIR`, default `<root>/.data`). Throws a {@link UsageError} for an address
 * that is not an http or https URL.
 */
export function resolveConnection(sources: ConnectionSources): Connection {
  const rawUrl = sources.apiUrl ?? nonEmpty(sources.env.ORDERFLOW_API_URL) ?? DEFAULT_API_URL;
  const apiUrl = normalizeApiUrl(rawUrl);
  const token =
    sources.token ??
    nonEmpty(sources.env.ORDERFLOW_API_TOKEN) ??
    readTokenFile(sources.env.ORDERFLOW_DATA_DIR ?? join(sources.rootDir, '.data'));
  return token === undefined ? { apiUrl } : { apiUrl, token };
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

function normalizeApiUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UsageError(`invalid API address '${raw}': expected a URL such as ${DEFAULT_API_URL}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UsageError(`invalid API address '${raw}': only http and https are supported`);
  }
  // Accept the address with the REST base path too, as users copy it from the stack's output.
  let path = url.pathname.replace(/\/+$/, '');
  if (path.endsWith(API_BASE_PATH)) path = path.slice(0, -API_BASE_PATH.length);
  return `${url.origin}${path}`;
}

function readTokenFile(dataDir: string): string | undefined {
  const file = join(dataDir, 'api-token');
  if (!existsSync(file)) return undefined;
  return nonEmpty(readFileSync(file, 'utf8'));
}
