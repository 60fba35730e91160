#!/usr/bin/env node
// Sums vitest's "Tests ..." summary lines from a log and prints one closing line of the
// form "N passed, N failed" that CI reads.
import { readFileSync } from 'node:fs';

const ANSI = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g');
const text = readFileSync(process.argv[2] ?? '/dev/stdin', 'utf8').replace(ANSI, '');
let passed = 0;
let failed = 0;
let skipped = 0;
for (const line of text.split('\n')) {
  const summary = line.match(/^\s*Tests\s+(.*)\(\d+\)\s*$/);
  if (!summary) continue;
  for (const part of summary[1].split('|')) {
    const count = part.trim().match(/^(\d+) (passed|failed|skipped|todo)/);
    if (!count) continue;
    const n = Number(count[1]);
    if (count[2] === 'passed') passed += n;
    else if (count[2] === 'failed') failed += n;
    else skipped += n;
  }
}
process.stdout.write(
  `${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}\n`,
);
