import type { KV } from '@nats-io/kv';
import { decodeJson, encodeJson, type Logger } from '@orderflow/service-kit';
import { z } from 'zod';

/** Key of the lease in the scheduler lease bucket. */
export const LEASE_KEY = 'active';

const leaseValueSchema = z.object({
  holder: z.string(),
  /** Wall-clock time in milliseconds after which any replica may take the lease. */
  expiresAtMs: z.number(),
});

type LeaseValue = z.infer<typeof leaseValueSchema>;

/** Options of {@link SchedulerLease}. */
export interface LeaseOptions {
  kv: KV;
  replicaId: string;
  /** Validity of the lease after each renewal. */
  ttlMs: number;
  /** Time between renewals by the holder and take-over checks by a standby. */
  renewMs: number;
  log: Logger;
  onChange: (held: boolean) => void;
}

/**
 * Makes one scheduler replica the active one through a key in NATS KV, written only by
 * compare-and-set on the key's revision. The expiry time lives in the value because NATS
 * server 2.9 ignores per-key TTL. A standby takes over at the first check after the expiry, so
 * within `ttlMs + renewMs` of the holder's last renewal.
 */
export class SchedulerLease {
  private heldUntilMs = 0;
  private revision = 0;
  private held = false;
  private timer?: NodeJS.Timeout;
  private expiryTimer?: NodeJS.Timeout;
  private stopped = false;
  /** The check in progress, which a stop waits for so that it cannot renew after a release. */
  private checking: Promise<void> = Promise.resolve();

  constructor(private readonly options: LeaseOptions) {}

  /** Starts checking and renewing; the first check runs at once. */
  start(): void {
    this.tick();
  }

  /** Tells whether this replica holds an unexpired lease by its own clock. */
  isHeld(): boolean {
    return Date.now() < this.heldUntilMs;
  }

  /** Stops renewing; with `release`, expires the lease at once so a standby takes over. */
  async stop(release: boolean): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    clearTimeout(this.expiryTimer);
    await this.checking;
    if (release && this.isHeld()) {
      const value: LeaseValue = { holder: this.options.replicaId, expiresAtMs: 0 };
      try {
        await this.options.kv.update(LEASE_KEY, encodeJson(value), this.revision);
        this.options.log.info('scheduler lease released');
      } catch (error) {
        this.options.log.warn({ err: error }, 'releasing the scheduler lease failed');
      }
    }
    this.heldUntilMs = 0;
    this.setHeld(false);
  }

  private tick(): void {
    if (this.stopped) return;
    this.checking = this.check();
  }

  private async check(): Promise<void> {
    try {
      await this.renewOrTakeOver();
    } catch (error) {
      this.options.log.warn({ err: error }, 'scheduler lease check failed');
    }
    if (this.stopped) return;
    this.setHeld(this.isHeld());
    this.timer = setTimeout(() => this.tick(), this.options.renewMs);
  }

  private async renewOrTakeOver(): Promise<void> {
    const { kv, replicaId, ttlMs } = this.options;
    const requestedAtMs = Date.now();
    const entry = await kv.get(LEASE_KEY);
    const current = entry?.operation === 'PUT' ? parseLease(entry.value) : undefined;
    if (current && current.holder !== replicaId && current.expiresAtMs > requestedAtMs) {
      this.heldUntilMs = 0;
      return;
    }

    const next = encodeJson({ holder: replicaId, expiresAtMs: requestedAtMs + ttlMs });
    try {
      this.revision = entry
        ? await kv.update(LEASE_KEY, next, entry.revision)
        : await kv.create(LEASE_KEY, next);
      this.heldUntilMs = requestedAtMs + ttlMs;
    } catch (error) {
      // Another replica wrote the key first, or NATS did not confirm the write. Either way this
      // replica must not act as the holder.
      this.heldUntilMs = 0;
      this.options.log.debug({ err: error }, 'scheduler lease taken by another replica');
    }
  }

  private setHeld(held: boolean): void {
    clearTimeout(this.expiryTimer);
    if (held) {
      // Step down on time even when renewals hang, for example while NATS is unreachable.
      const remainingMs = this.heldUntilMs - Date.now();
      this.expiryTimer = setTimeout(() => this.setHeld(this.isHeld()), remainingMs + 1);
    }
    if (held === this.held) return;
    this.held = held;
    this.options.log.info({ held }, 'scheduler lease changed');
    this.options.onChange(held);
  }
}

function parseLease(value: Uint8Array): LeaseValue | undefined {
  const parsed = leaseValueSchema.safeParse(safeDecode(value));
  return parsed.success ? parsed.data : undefined;
}

function safeDecode(value: Uint8Array): unknown {
  try {
    return decodeJson(value);
  } catch {
    return undefined;
  }
}
