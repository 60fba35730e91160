import { createHash } from 'node:crypto';

/** Settings of {@link retryDelayMs}. */
export interface BackoffSettings {
  baseDelayMs: number;
  maxDelayMs: number;
}

/**
 * Computes the delay before retry number `retry` (1 for the first retry): exponential backoff
 * `base * 2^(retry - 1)`, capped at `maxDelayMs`, with "equal jitter" (a random point in the
 * upper half of that value). The random part comes from a hash of `jitterKey`, so the same item
 * and attempt always get the same delay and a repeated decision after a restart matches the
 * first one.
 */
export function retryDelayMs(retry: number, settings: BackoffSettings, jitterKey: string): number {
  const exponent = Math.min(Math.max(retry - 1, 0), 30);
  const ceilingMs = Math.min(settings.maxDelayMs, settings.baseDelayMs * 2 ** exponent);
  const half = ceilingMs / 2;
  return Math.round(half + half * unitFraction(jitterKey));
}

/** Maps a string to a number in [0, 1) through SHA-1. */
function unitFraction(key: string): number {
  const hash = createHash('sha1').update(key).digest();
  return hash.readUInt32BE(0) / 2 ** 32;
}
