import { type Logger, pino } from 'pino';

export type { Logger } from 'pino';

/** Field paths whose values never reach a log line. */
export const REDACTED_PATHS = [
  'authorization',
  'token',
  'password',
  'secret',
  'apiToken',
  'databaseUrl',
  '*.authorization',
  '*.token',
  '*.password',
  '*.apiToken',
  '*.databaseUrl',
  'req.headers.authorization',
  'req.headers.cookie',
];

/** Creates the root logger of a service; components take `logger.child({ component })`. */
export function createLogger(service: string, level = 'info'): Logger {
  return pino({
    level,
    base: { service, pid: process.pid },
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
  });
}
