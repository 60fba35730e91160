import { Counter, Gauge, type Registry } from 'prom-client';
import type { SchedulerState } from './state';

/** Counters the scheduler updates as it works. */
export interface SchedulerMetrics {
  /** Decision events stored by JetStream, by event type; duplicates are not counted. */
  decisions: Counter<'type'>;
}

/**
 * Registers the scheduler's metrics. Gauges read the state when scraped, so they cost nothing
 * between scrapes.
 */
export function registerSchedulerMetrics(
  registry: Registry,
  state: SchedulerState,
  isActive: () => boolean,
): SchedulerMetrics {
  new Gauge({
    name: 'orderflow_scheduler_active',
    help: '1 while this replica holds the lease and publishes decisions, else 0.',
    registers: [registry],
    collect() {
      this.set(isActive() ? 1 : 0);
    },
  });
  new Gauge({
    name: 'orderflow_scheduler_in_flight_attempts',
    help: 'Attempts dispatched without an outcome yet, across all batches.',
    registers: [registry],
    collect() {
      this.set(state.inFlight.size);
    },
  });
  new Gauge({
    name: 'orderflow_scheduler_last_event_seq',
    help: 'Stream sequence of the last event applied to the state.',
    registers: [registry],
    collect() {
      this.set(state.lastSeq);
    },
  });
  return {
    decisions: new Counter({
      name: 'orderflow_scheduler_decisions_total',
      help: 'Decision events stored by JetStream, by event type.',
      labelNames: ['type'],
      registers: [registry],
    }),
  };
}
