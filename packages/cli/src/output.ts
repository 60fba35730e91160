/** A stream the CLI writes text to: `process.stdout`, `process.stderr` or a test double. */
export interface TextSink {
  write(chunk: string | Uint8Array): unknown;
  isTTY?: boolean;
  /** Width of the terminal in characters, when the sink is one. */
  columns?: number;
}

const ANSI = {
  red: '\u001b[31m',
  green: '\u001b[32m',
  yellow: '\u001b[33m',
  blue: '\u001b[34m',
  dim: '\u001b[2m',
  bold: '\u001b[1m',
  reset: '\u001b[0m',
} as const;

export type Style = Exclude<keyof typeof ANSI, 'reset'>;

/** Style of each batch and item status when colour is on. */
const STATUS_STYLES: Record<string, Style> = {
  pending: 'dim',
  processing: 'blue',
  paused: 'yellow',
  success: 'green',
  completed: 'green',
  failed: 'red',
  cancelled: 'yellow',
  skipped: 'dim',
};

/**
 * Tells whether to colour the output: only on a terminal, and never when `NO_COLOR` is set to a
 * non-empty value (the convention of no-color.org).
 */
export function shouldUseColor(sink: TextSink, env: Record<string, string | undefined>): boolean {
  return sink.isTTY === true && !env.NO_COLOR;
}

/** Output streams of a command: results go to stdout and messages to stderr. */
export class Output {
  constructor(
    readonly stdout: TextSink,
    readonly stderr: TextSink,
    readonly color: boolean,
  ) {}

  /** Writes a line of results. */
  line(text = ''): void {
    this.stdout.write(`${text}\n`);
  }

  /** Writes a value as indented JSON. */
  json(value: unknown): void {
    this.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
  }

  /** Writes a value as JSON on one line, for streams of documents. */
  jsonLine(value: unknown): void {
    this.stdout.write(`${JSON.stringify(value)}\n`);
  }

  /** Writes a message for people to stderr, so that it never mixes with results. */
  message(text: string): void {
    this.stderr.write(`${text}\n`);
  }

  /** Wraps text in a colour or weight when colour is on. */
  style(text: string, style: Style): string {
    return this.color ? `${ANSI[style]}${text}${ANSI.reset}` : text;
  }

  /** Colours a batch or item status by its meaning. */
  status(status: string): string {
    const style = STATUS_STYLES[status];
    return style ? this.style(status, style) : status;
  }
}

/** Returns `noun` or its plural with an s, to agree with `count`. */
export function plural(count: number, noun: string): string {
  return count === 1 ? noun : `${noun}s`;
}
