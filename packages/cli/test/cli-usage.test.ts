import { describe, expect, it } from 'vitest';
import { runCliProcess } from './run-cli';

// Every case here fails before any request, so the address is never contacted.
const API = ['--api-url', 'http://127.0.0.1:9'];

describe('orderflow usage errors', () => {
  it('exits 2 without a command', async () => {
    const run = await runCliProcess([]);

    expect(run.code).toBe(2);
    expect(run.stderr).toContain('orderflow: missing command');
    expect(run.stderr).toContain('usage: orderflow COMMAND');
    expect(run.stdout).toBe('');
  });

  it('exits 2 for an unknown command', async () => {
    const run = await runCliProcess(['launch', ...API]);

    expect(run.code).toBe(2);
    expect(run.stderr).toContain("unknown command 'launch'");
  });

  it('exits 2 for an unknown option with the usage line', async () => {
    const run = await runCliProcess(['status', 'b1', '--verbose', ...API]);

    expect(run.code).toBe(2);
    expect(run.stderr).toContain('unknown option --verbose');
    expect(run.stderr).toContain('usage: orderflow status ID [--failed]');
  });

  it('exits 2 for a missing argument', async () => {
    const run = await runCliProcess(['retry', ...API]);

    expect(run.code).toBe(2);
    expect(run.stderr).toContain('missing argument ID');
  });

  it('exits 2 for an invalid option value', async () => {
    const run = await runCliProcess(['export', 'b1', '--format', 'pdf', ...API]);

    expect(run.code).toBe(2);
    expect(run.stderr).toContain("option --format must be one of xlsx, csv, got 'pdf'");
  });

  it('exits 2 for an unsupported file type', async () => {
    const run = await runCliProcess(['submit', 'orders.txt', ...API]);

    expect(run.code).toBe(2);
    expect(run.stderr).toContain("unsupported file type '.txt'");
  });

  it('exits 2 for a start option without --start', async () => {
    const run = await runCliProcess(['submit', 'orders.xlsx', '--allow-repeated-orders', ...API]);

    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--allow-repeated-orders applies only with --start');
  });

  it.each(['missing.json', 'missing.xlsx', 'missing.csv'])(
    'exits 1 for a missing file: %s',
    async (name) => {
      const run = await runCliProcess(['submit', name, ...API]);

      expect(run.code).toBe(1);
      expect(run.stderr).toContain(`cannot read`);
      expect(run.stderr).toContain(`${name}: no such file`);
      expect(run.stderr).not.toContain('    at ');
    },
  );

  it('prints help to stdout with exit 0', async () => {
    const run = await runCliProcess(['help', 'submit']);

    expect(run.code).toBe(0);
    expect(run.stdout).toContain('usage: orderflow submit FILE');
    expect(run.stdout).toContain('--idempotency-key KEY');
  });
});
