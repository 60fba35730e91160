import { describe, expect, it } from 'vitest';
import { UsageError } from '../src/errors';
import { formatHelp, formatUsageLine } from '../src/help';
import { parseChoice, parseCommandLine, parsePositiveInt } from '../src/parse-args';

function usageErrorOf(argv: string[]): UsageError {
  try {
    parseCommandLine(argv);
  } catch (error) {
    if (error instanceof UsageError) return error;
    throw error;
  }
  throw new Error(`expected a usage error for ${argv.join(' ')}`);
}

describe('parseCommandLine', () => {
  it('splits command, arguments and options', () => {
    const parsed = parseCommandLine(['submit', 'orders.xlsx', '--name', 'March', '--start']);

    expect(parsed.command).toBe('submit');
    expect(parsed.args).toEqual(['orders.xlsx']);
    expect(parsed.options.name).toBe('March');
    expect(parsed.options.start).toBe(true);
    expect(parsed.options.watch).toBeUndefined();
  });

  it('accepts global options before and after the command', () => {
    const parsed = parseCommandLine([
      '--api-url',
      'http://127.0.0.1:9000',
      'list',
      '--json',
      '--token=secret',
    ]);

    expect(parsed.command).toBe('list');
    expect(parsed.global.apiUrl).toBe('http://127.0.0.1:9000');
    expect(parsed.global.token).toBe('secret');
    expect(parsed.global.json).toBe(true);
  });

  it('accepts an option value attached with =', () => {
    const parsed = parseCommandLine(['set-item', 'i1', '--status=failed', '--failure-reason=--']);

    expect(parsed.options.status).toBe('failed');
    expect(parsed.options['failure-reason']).toBe('--');
  });

  it('accepts the short form of --output', () => {
    const parsed = parseCommandLine(['export', 'b1', '--format', 'csv', '-o', 'out.csv']);

    expect(parsed.options.output).toBe('out.csv');
  });

  it('treats arguments after -- as positional', () => {
    const parsed = parseCommandLine(['status', '--', '--odd-id']);

    expect(parsed.args).toEqual(['--odd-id']);
  });

  it('returns help for --help without a command', () => {
    expect(parseCommandLine(['--help']).command).toBe('help');
    expect(parseCommandLine(['-h']).global.help).toBe(true);
  });

  it('skips argument checks when help is requested', () => {
    const parsed = parseCommandLine(['export', '--help']);

    expect(parsed.command).toBe('export');
    expect(parsed.global.help).toBe(true);
  });

  it.each([
    [[], 'missing command', undefined],
    [['launch'], "unknown command 'launch'", undefined],
    [['status'], 'missing argument ID', 'status'],
    [['status', 'a', 'b'], "unexpected argument 'b'", 'status'],
    [['status', 'a', '--verbose'], 'unknown option --verbose', 'status'],
    [['list', '--failed'], 'unknown option --failed', 'list'],
    [['submit', 'f.json', '--name'], 'option --name requires a value', 'submit'],
    [['submit', 'f.json', '--name', '--start'], 'option --name requires a value', 'submit'],
    [['submit', 'f.json', '--start=yes'], 'option --start takes no value', 'submit'],
    [['export', 'b1'], 'missing option --format', 'export'],
    [['set-item', 'i1'], 'missing option --status', 'set-item'],
  ])('rejects %j', (argv, message, command) => {
    const error = usageErrorOf(argv);

    expect(error.message).toBe(message);
    expect(error.command).toBe(command);
  });
});

describe('option values', () => {
  it('parses positive whole numbers', () => {
    expect(parsePositiveInt('25', 'limit', 'retry')).toBe(25);
  });

  it.each(['0', '-1', '1.5', 'ten', '', '99999999999999999999'])('rejects limit %j', (value) => {
    expect(() => parsePositiveInt(value, 'limit', 'retry')).toThrow(UsageError);
  });

  it('accepts only listed choices', () => {
    expect(parseChoice('csv', 'format', ['xlsx', 'csv'], 'export')).toBe('csv');
    expect(() => parseChoice('pdf', 'format', ['xlsx', 'csv'], 'export')).toThrow(
      "option --format must be one of xlsx, csv, got 'pdf'",
    );
  });
});

describe('help', () => {
  it('formats a usage line with required and optional options', () => {
    expect(formatUsageLine('export')).toBe(
      'usage: orderflow export ID --format xlsx|csv [--output PATH]',
    );
    expect(formatUsageLine('help')).toBe('usage: orderflow help [COMMAND]');
  });

  it('lists every command in the program help', () => {
    const help = formatHelp();

    for (const command of ['submit', 'status', 'list', 'watch', 'retry', 'export', 'set-item']) {
      expect(help).toMatch(new RegExp(`^  ${command} `, 'm'));
    }
  });

  it('lists the options of one command', () => {
    const help = formatHelp('retry');

    expect(help).toContain('--limit N');
    expect(help).toContain('--api-url URL');
  });
});
