const LEVELS: Record<number, string> = {
  10: 'TRACE',
  20: 'DEBUG',
  30: 'INFO ',
  40: 'WARN ',
  50: 'ERROR',
  60: 'FATAL',
};

const OMITTED = new Set(['level', 'time', 'msg', 'service', 'pid', 'hostname']);

function formatValue(value: unknown): string {
  if (typeof value === 'string') return /\s/.test(value) ? JSON.stringify(value) : value;
  return JSON.stringify(value);
}

/**
 * Turns one pino JSON line into `HH:MM:SS LEVEL message key=value ...` for people reading the
 * local stack's output. Lines that are not pino JSON are returned unchanged.
 */
export function formatLogLine(line: string): string {
  if (!line.startsWith('{')) return line;
  let record: Record<string, unknown>;
  try {
    record = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return line;
  }
  const time = typeof record.time === 'string' ? record.time.slice(11, 19) : '';
  const level = LEVELS[Number(record.level)] ?? String(record.level ?? '');
  const fields = Object.entries(record)
    .filter(([key]) => !OMITTED.has(key))
    .map(([key, value]) => {
      if (key === 'err' && value && typeof value === 'object') {
        const error = value as { message?: string; stack?: string };
        return `err=${formatValue(error.message ?? '')}`;
      }
      return `${key}=${formatValue(value)}`;
    });
  return [time, level, String(record.msg ?? ''), ...fields].filter(Boolean).join(' ');
}
