import {
  createEvent,
  deriveItemId,
  type ErrorCode,
  newId,
  type OrderflowEvent,
} from '@orderflow/contracts';
import { describe, expect, it } from 'vitest';
import { retryDelayMs } from '../src/backoff';
import { decideCommand } from '../src/commands';
import { decide } from '../src/decider';
import type { DeciderSettings, Decision } from '../src/decision';
import { applyEvent } from '../src/reducer';
import { createState, type SchedulerState } from '../src/state';

const settings: DeciderSettings = {
  maxBatchItems: 3,
  maxPerHost: 10,
  maxGlobal: 10,
  retryLimit: 2,
  attemptTimeoutMs: 1_000,
  timeoutGraceMs: 500,
  backoff: { baseDelayMs: 100, maxDelayMs: 1_000 },
};

/** Drives the pure state and decider the way the runtime does, with a fake clock. */
class Simulation {
  readonly state: SchedulerState = createState();
  readonly log: OrderflowEvent[] = [];
  nowMs = Date.parse('2026-01-01T00:00:00Z');

  constructor(readonly settings: DeciderSettings) {}

  apply(event: OrderflowEvent): void {
    this.log.push(event);
    applyEvent(this.state, event, this.log.length);
  }

  /** Runs one decision round and applies its events, as if they came back from the stream. */
  round(): Decision[] {
    const { decisions } = decide(this.state, this.nowMs, this.settings);
    for (const decision of decisions) this.apply(decision.event);
    return decisions;
  }

  createBatch(
    itemCount: number,
    hostOf = (_index: number) => 'shop.test',
    maxConcurrency?: number,
  ) {
    const batchId = newId();
    const scope = { source: 'importer' as const, batchId };
    const items = Array.from({ length: itemCount }, (_, index) => ({
      itemId: deriveItemId(batchId, index),
      index,
      row: index + 2,
      orderUrl: `https://${hostOf(index)}/orders/${index}`,
      amount: '1.00',
      extra: {},
    }));
    if (itemCount > 0) this.apply(createEvent('batch.items_added', scope, { chunk: 0, items }));
    this.apply(
      createEvent('batch.created', scope, {
        name: 'sim',
        itemCount,
        chunkCount: 1,
        source: { kind: 'json' },
        columns: [],
        ...(maxConcurrency ? { maxConcurrency } : {}),
        skippedRows: [],
        skippedCount: 0,
      }),
    );
    return { batchId, itemIds: items.map((item) => item.itemId) };
  }

  command(batchId: string, action: 'start' | 'cancel' | 'pause' | 'resume') {
    const command = {
      type: 'control' as const,
      action,
      commandId: newId(),
      batchId,
      issuedAt: new Date(this.nowMs).toISOString(),
    };
    const result = decideCommand(this.state, command, this.nowMs, this.settings.maxBatchItems);
    if (result.kind === 'answer') for (const event of result.events) this.apply(event);
    return result;
  }

  /** Publishes a worker event for the item's current attempt. */
  worker(itemId: string, outcome: 'started' | 'succeeded' | ErrorCode, attempt?: number) {
    const item = this.findItem(itemId);
    const scope = {
      source: 'browser-worker' as const,
      batchId: item.batchId,
      itemId,
      time: new Date(this.nowMs),
    };
    const current = attempt ?? item.attempt;
    if (outcome === 'started') {
      this.apply(
        createEvent('item.attempt_started', scope, {
          attempt: current,
          workerId: 'w',
          recipe: 'r',
        }),
      );
    } else if (outcome === 'succeeded') {
      this.apply(
        createEvent('item.attempt_succeeded', scope, {
          attempt: current,
          orderNumber: `N${current}`,
          finalOrderUrl: 'https://shop.test/done',
          timings: { totalMs: 1 },
        }),
      );
    } else {
      this.apply(
        createEvent('item.attempt_failed', scope, {
          attempt: current,
          code: outcome,
          message: outcome,
          retryable: outcome !== 'AMOUNT_MISMATCH',
        }),
      );
    }
  }

  findItem(itemId: string) {
    for (const batch of this.state.batches.values()) {
      const item = batch.items.get(itemId);
      if (item) return item;
    }
    throw new Error(`item ${itemId} not found`);
  }
}

const types = (decisions: Decision[]) => decisions.map((decision) => decision.event.type);

describe('decide', () => {
  it('dispatches up to the per-batch limit in index order', () => {
    const sim = new Simulation(settings);
    const { batchId, itemIds } = sim.createBatch(5);
    expect(sim.round()).toHaveLength(0);

    sim.command(batchId, 'start');
    const dispatched = sim.round();
    expect(dispatched.map((decision) => decision.event.itemId)).toEqual(itemIds.slice(0, 3));
    expect(dispatched.map((decision) => decision.work?.attempt)).toEqual([1, 1, 1]);
    expect(sim.round()).toHaveLength(0);
  });

  it('uses the batch override of the per-batch limit', () => {
    const sim = new Simulation(settings);
    const { batchId } = sim.createBatch(10, undefined, 7);
    sim.command(batchId, 'start');
    expect(sim.round()).toHaveLength(7);
  });

  it('holds the per-host limit across batches', () => {
    const sim = new Simulation({ ...settings, maxPerHost: 2 });
    const first = sim.createBatch(4);
    const second = sim.createBatch(4);
    sim.command(first.batchId, 'start');
    sim.command(second.batchId, 'start');
    expect(sim.round()).toHaveLength(2);
  });

  it('splits global capacity evenly between batches', () => {
    const sim = new Simulation({ ...settings, maxGlobal: 4, maxBatchItems: 4 });
    const first = sim.createBatch(10);
    sim.command(first.batchId, 'start');
    expect(sim.round()).toHaveLength(4);
    const second = sim.createBatch(10);
    sim.command(second.batchId, 'start');

    // Each outcome frees one slot; the slots go to the batch with fewer attempts in flight.
    for (const itemId of first.itemIds.slice(0, 2)) sim.worker(itemId, 'succeeded');
    const next = sim.round().filter((decision) => decision.event.type === 'item.dispatched');
    expect(next.map((decision) => decision.event.batchId)).toEqual([
      second.batchId,
      second.batchId,
    ]);
  });

  it('retries a retryable failure until the limit, then fails', () => {
    const sim = new Simulation(settings);
    const { batchId, itemIds } = sim.createBatch(1);
    const itemId = itemIds[0]!;
    sim.command(batchId, 'start');
    sim.round();

    const delays: number[] = [];
    for (let attempt = 1; attempt <= settings.retryLimit; attempt += 1) {
      sim.worker(itemId, 'BROWSER_CRASHED');
      const [retry] = sim.round();
      expect(retry?.event.type).toBe('item.retry_scheduled');
      if (retry?.event.type !== 'item.retry_scheduled') return;
      delays.push(retry.event.data.delayMs);
      expect(sim.round()).toHaveLength(0);
      sim.nowMs = Date.parse(retry.event.data.notBefore);
      expect(sim.round()[0]?.work?.attempt).toBe(attempt + 1);
    }
    sim.worker(itemId, 'BROWSER_CRASHED');
    expect(types(sim.round())).toEqual(['item.failed']);
    expect(types(sim.round())).toEqual(['batch.finished']);
    expect(delays[1]!).toBeGreaterThan(delays[0]!);
  });

  it('fails a non-retryable failure at once', () => {
    const sim = new Simulation(settings);
    const { batchId, itemIds } = sim.createBatch(1);
    sim.command(batchId, 'start');
    sim.round();
    sim.worker(itemIds[0]!, 'AMOUNT_MISMATCH');
    expect(types(sim.round())).toEqual(['item.failed']);
  });

  it('ignores the result of an attempt that is no longer current', () => {
    const sim = new Simulation(settings);
    const { batchId, itemIds } = sim.createBatch(1);
    const itemId = itemIds[0]!;
    sim.command(batchId, 'start');
    sim.round();
    sim.worker(itemId, 'started');
    sim.nowMs += settings.attemptTimeoutMs + settings.timeoutGraceMs;

    const [timedOut] = sim.round();
    expect(timedOut?.event.type).toBe('item.attempt_timed_out');
    expect(timedOut?.withdraw).toEqual({ batchId, itemId, attempt: 1 });
    expect(types(sim.round())).toEqual(['item.retry_scheduled']);
    sim.worker(itemId, 'succeeded', 1);
    expect(sim.findItem(itemId).outcome).toBeUndefined();
    expect(sim.round()).toHaveLength(0);
  });

  it('wakes at the timeout deadline of a started attempt', () => {
    const sim = new Simulation(settings);
    const { batchId, itemIds } = sim.createBatch(1);
    sim.command(batchId, 'start');
    sim.round();
    sim.worker(itemIds[0]!, 'started');
    const round = decide(sim.state, sim.nowMs, settings);
    expect(round.decisions).toHaveLength(0);
    expect(round.nextWakeAtMs).toBe(
      sim.nowMs + settings.attemptTimeoutMs + settings.timeoutGraceMs,
    );
  });

  it('cancel skips pending and queued items, then finishes cancelled', () => {
    const sim = new Simulation(settings);
    const { batchId, itemIds } = sim.createBatch(5);
    sim.command(batchId, 'start');
    sim.round();
    sim.worker(itemIds[0]!, 'started');
    sim.command(batchId, 'cancel');

    const skips = sim.round();
    expect(types(skips)).toEqual(Array(4).fill('item.skipped'));
    expect(skips.filter((decision) => decision.withdraw)).toHaveLength(2);
    sim.worker(itemIds[0]!, 'ATTEMPT_CANCELLED');
    expect(types(sim.round())).toEqual(['item.skipped']);
    const [finished] = sim.round();
    expect(finished?.event.type).toBe('batch.finished');
    expect(finished?.event.data).toMatchObject({ status: 'cancelled' });
  });

  it('makes the same decisions after a replay', () => {
    const sim = new Simulation(settings);
    const { batchId, itemIds } = sim.createBatch(6);
    sim.command(batchId, 'start');
    sim.round();
    sim.worker(itemIds[0]!, 'BROWSER_CRASHED');
    sim.worker(itemIds[1]!, 'succeeded');

    const replayed = createState();
    for (const [index, event] of sim.log.entries()) applyEvent(replayed, event, index + 1);
    const original = decide(sim.state, sim.nowMs, settings).decisions;
    const again = decide(replayed, sim.nowMs, settings).decisions;
    expect(again.map((decision) => decision.event.id)).toEqual(
      original.map((decision) => decision.event.id),
    );
  });

  it('marks the next attempt verify-first after an effect started', () => {
    const sim = new Simulation(settings);
    const { batchId, itemIds } = sim.createBatch(1);
    const itemId = itemIds[0]!;
    sim.command(batchId, 'start');
    sim.round();
    sim.apply(
      createEvent(
        'item.effect_started',
        { source: 'browser-worker', batchId, itemId, attempt: 1 },
        { attempt: 1, step: 'pay' },
      ),
    );
    sim.worker(itemId, 'WORKER_LOST');
    const [retry] = sim.round();
    if (retry?.event.type !== 'item.retry_scheduled') throw new Error('expected a retry');
    sim.nowMs = Date.parse(retry.event.data.notBefore);
    expect(sim.round()[0]?.work?.verifyFirst).toBe(true);
  });

  it('respects an item set by hand', () => {
    const sim = new Simulation(settings);
    const { batchId, itemIds } = sim.createBatch(1);
    const itemId = itemIds[0]!;
    sim.command(batchId, 'start');
    sim.round();
    sim.apply(
      createEvent(
        'item.updated_by_hand',
        { source: 'gateway', batchId, itemId },
        { status: 'success', orderNumber: 'BY-HAND', updatedBy: 'ops' },
      ),
    );
    sim.worker(itemId, 'BROWSER_CRASHED', 1);

    const [finished] = sim.round();
    expect(finished?.event.type).toBe('batch.finished');
    expect(finished?.event.data).toMatchObject({ status: 'completed', succeeded: 1 });
  });
});

describe('decideCommand', () => {
  it('rejects pause of a pending batch with its status', () => {
    const sim = new Simulation(settings);
    const { batchId } = sim.createBatch(1);
    const result = sim.command(batchId, 'pause');
    const event = result.kind === 'answer' ? result.events[0] : undefined;
    expect(event?.type).toBe('batch.command_rejected');
    if (event?.type !== 'batch.command_rejected') return;
    expect(event.data.code).toBe('INVALID_TRANSITION');
    expect(event.data.message).toContain('status pending');
  });

  it('returns unknown_batch before batch.created', () => {
    const sim = new Simulation(settings);
    expect(sim.command(newId(), 'start').kind).toBe('unknown_batch');
  });

  it('answers a repeated command id once', () => {
    const sim = new Simulation(settings);
    const { batchId } = sim.createBatch(1);
    const command = {
      type: 'control' as const,
      action: 'start' as const,
      commandId: newId(),
      batchId,
      issuedAt: new Date().toISOString(),
    };
    const first = decideCommand(sim.state, command, sim.nowMs, 3);
    if (first.kind === 'answer') for (const event of first.events) sim.apply(event);
    expect(decideCommand(sim.state, command, sim.nowMs, 3).kind).toBe('answered');
  });

  it('rejects a retry with no failed items', () => {
    const sim = new Simulation(settings);
    const { batchId, itemIds } = sim.createBatch(1);
    sim.command(batchId, 'start');
    sim.round();
    sim.worker(itemIds[0]!, 'succeeded');
    sim.round();
    sim.round();
    const result = decideCommand(
      sim.state,
      { type: 'retry', limit: 5, commandId: newId(), batchId, issuedAt: new Date().toISOString() },
      sim.nowMs,
      3,
    );
    const event = result.kind === 'answer' ? result.events[0] : undefined;
    expect(event?.type).toBe('batch.command_rejected');
    expect(event?.data).toMatchObject({ code: 'NOTHING_TO_RETRY' });
  });
});

describe('retryDelayMs', () => {
  const backoff = { baseDelayMs: 1_000, maxDelayMs: 10_000 };

  it('doubles per retry within the upper half', () => {
    for (const [retry, ceiling] of [
      [1, 1_000],
      [2, 2_000],
      [3, 4_000],
    ] as const) {
      const delay = retryDelayMs(retry, backoff, `key-${retry}`);
      expect(delay).toBeGreaterThanOrEqual(ceiling / 2);
      expect(delay).toBeLessThanOrEqual(ceiling);
    }
  });

  it('caps at the maximum delay', () => {
    expect(retryDelayMs(20, backoff, 'key')).toBeLessThanOrEqual(10_000);
    expect(retryDelayMs(20, backoff, 'key')).toBeGreaterThanOrEqual(5_000);
  });

  it('returns the same delay for the same key', () => {
    expect(retryDelayMs(2, backoff, 'item:1')).toBe(retryDelayMs(2, backoff, 'item:1'));
  });
});
