import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { MiddlewareHandler } from 'hono';
import type { Logger } from 'pino';
import { ApiError } from './api-error';
import type { AppEnv, Principal } from './context';

/** A configured bearer token, kept only as its SHA-256 digest. */
export interface ApiToken {
  label: string;
  digest: Buffer;
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

/** Maximum label length kept, because commands carry the label in a field of 200 characters. */
const MAX_LABEL_LENGTH = 200;

/** Parses API_TOKENS entries (`token` or `label:token`); unlabelled tokens get `token-<n>`. */
export function parseApiTokens(entries: string[]): ApiToken[] {
  return entries.map((entry, index) => {
    const separator = entry.indexOf(':');
    const label =
      separator > 0 ? entry.slice(0, Math.min(separator, MAX_LABEL_LENGTH)) : `token-${index + 1}`;
    const token = separator > 0 ? entry.slice(separator + 1) : entry;
    return { label, digest: digest(token) };
  });
}

/**
 * Returns the token from `file`, or generates one and writes it there (mode 0600) when the file
 * does not exist. Only the file name is logged, never the token.
 */
export function loadOrGenerateToken(file: string, log: Logger): ApiToken[] {
  if (existsSync(file)) {
    const token = readFileSync(file, 'utf8').trim();
    if (token.length > 0) {
      log.warn({ file }, 'API_TOKENS is empty; using the generated token stored in the file');
      return [{ label: 'generated', digest: digest(token) }];
    }
  }
  const token = randomBytes(32).toString('base64url');
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${token}\n`, { mode: 0o600 });
  log.warn({ file }, 'API_TOKENS is empty; generated an API token and wrote it to the file');
  return [{ label: 'generated', digest: digest(token) }];
}

/**
 * Finds the token that matches `presented`. Every configured token is compared, each in
 * constant time over SHA-256 digests, so the time taken does not reveal which one matched or
 * how much of it.
 */
export function matchToken(tokens: ApiToken[], presented: string): Principal | undefined {
  const presentedDigest = digest(presented);
  let match: Principal | undefined;
  for (const token of tokens) {
    if (timingSafeEqual(token.digest, presentedDigest) && !match) match = { label: token.label };
  }
  return match;
}

const BEARER = /^Bearer\s+(\S+)\s*$/i;

/** Requires a valid bearer token; `tokens` undefined means authentication is turned off. */
export function requireToken(tokens: ApiToken[] | undefined): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (!tokens) {
      c.set('principal', { label: 'anonymous' });
      return next();
    }
    const presented = BEARER.exec(c.req.header('authorization') ?? '')?.[1];
    const principal = presented === undefined ? undefined : matchToken(tokens, presented);
    if (!principal) {
      c.header('WWW-Authenticate', 'Bearer');
      throw new ApiError(
        'UNAUTHORIZED',
        'A valid API token is required: send it as "Authorization: Bearer <token>".',
      );
    }
    c.set('principal', principal);
    return next();
  };
}
