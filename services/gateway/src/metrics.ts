import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** The gateway's own metrics, registered on the service's registry. */
export interface GatewayMetrics {
  observeRequest(method: string, route: string, status: number, seconds: number): void;
  observeProjection(applied: number, durationMs: number): void;
}

/**
 * Registers HTTP and projector metrics, and a projection lag gauge that reads the lag when
 * scraped. `readLag` returns the number of events not yet projected, or undefined when unknown.
 */
export function registerGatewayMetrics(
  registry: Registry,
  readLag: () => Promise<number | undefined>,
): GatewayMetrics {
  const requests = new Histogram({
    name: 'orderflow_gateway_request_duration_seconds',
    help: 'Duration of HTTP requests in seconds, by method, route and status.',
    labelNames: ['method', 'route', 'status'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10],
    registers: [registry],
  });
  const applied = new Counter({
    name: 'orderflow_projector_events_applied_total',
    help: 'Events applied to the read model for the first time.',
    registers: [registry],
  });
  const transactions = new Histogram({
    name: 'orderflow_projector_transaction_seconds',
    help: 'Duration of one projector transaction in seconds.',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5],
    registers: [registry],
  });
  new Gauge({
    name: 'orderflow_projection_lag_events',
    help: 'Events in the stream that the projector has not applied yet (pending plus unacknowledged).',
    registers: [registry],
    async collect() {
      const lag = await readLag();
      if (lag !== undefined) this.set(lag);
    },
  });
  return {
    observeRequest(method, route, status, seconds) {
      requests.observe({ method, route, status: String(status) }, seconds);
    },
    observeProjection(count, durationMs) {
      applied.inc(count);
      transactions.observe(durationMs / 1_000);
    },
  };
}
