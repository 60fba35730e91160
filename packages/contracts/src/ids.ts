import { hash as digest, randomUUID } from 'node:crypto';
import { z } from 'zod';

/**
 * Characters allowed in an id that becomes a NATS subject token: no dots, wildcards or
 * whitespace, at most 64 characters.
 */
export const SUBJECT_TOKEN_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

/** An id usable as one NATS subject token (a UUID in practice). */
export const idSchema = z
  .string()
  .regex(SUBJECT_TOKEN_PATTERN, 'must be 1 to 64 letters, digits, "-" or "_"');

export type Id = z.infer<typeof idSchema>;

/** Creates a random id for a batch, command or event. */
export function newId(): string {
  return randomUUID();
}

/**
 * Derives a stable UUID (version 5 layout, SHA-1 over namespace and name) so that a
 * redelivered command produces the same batch and item ids as the first delivery.
 */
export function deriveId(namespace: string, name: string): string {
  const hash = digest('sha1', `${namespace}\0${name}`, 'buffer');
  hash[6] = ((hash[6] ?? 0) & 0x0f) | 0x50;
  hash[8] = ((hash[8] ?? 0) & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** Derives the id of the item at `index` (0-based, in import order) of a batch. */
export function deriveItemId(batchId: string, index: number): string {
  return deriveId(batchId, `item:${index}`);
}
