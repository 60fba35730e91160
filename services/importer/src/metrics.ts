import { Counter, Histogram, type Registry } from 'prom-client';

/** Prometheus metrics of the importer. */
export interface ImporterMetrics {
  /** Import commands by outcome: created, rejected, retried, failed, malformed. */
  commands: Counter<'outcome'>;
  /** Items published in created batches. */
  items: Counter;
  /** Seconds from taking a command to its final event, by outcome. */
  durationSeconds: Histogram<'outcome'>;
}

/** Creates the importer metrics in `registry`. */
export function createImporterMetrics(registry: Registry): ImporterMetrics {
  return {
    commands: new Counter({
      name: 'importer_commands_total',
      help: 'Import commands handled, by outcome',
      labelNames: ['outcome'],
      registers: [registry],
    }),
    items: new Counter({
      name: 'importer_items_total',
      help: 'Items published in created batches',
      registers: [registry],
    }),
    durationSeconds: new Histogram({
      name: 'importer_import_duration_seconds',
      help: 'Seconds from taking an import command to its final event',
      labelNames: ['outcome'],
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers: [registry],
    }),
  };
}
