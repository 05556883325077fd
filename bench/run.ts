/**
 * Runs the benchmark suites in bench/suites/ and prints one table of ratios
 * (each figure against the raw transport measured in the same run); also
 * writes .bench-out/results.json.
 *
 *   npm run bench                 # every suite
 *   npm run bench -- file serialize   # some suites
 *   BENCH_QUICK=1 npm run bench   # a few seconds per suite
 */
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

import { createContext, renderTable, type BenchContext, type BenchRow } from './harness.js';

interface SuiteModule {
  name?: string;
  default: (ctx: BenchContext) => Promise<void>;
}

const here = new URL('.', import.meta.url).pathname;
const quick = process.env['BENCH_QUICK'] === '1';
const wanted = process.argv.slice(2);

const files = readdirSync(join(here, 'suites'))
  .filter((f) => f.endsWith('.ts'))
  .sort()
  .filter((f) => wanted.length === 0 || wanted.includes(f.replace(/\.ts$/, '')));

const rows: BenchRow[] = [];
const notes: { suite: string; group: string; text: string }[] = [];
const failures: string[] = [];

for (const file of files) {
  const suite = file.replace(/\.ts$/, '');
  process.stderr.write(`suite ${suite}\n`);
  try {
    const mod = (await import(pathToFileURL(join(here, 'suites', file)).href)) as SuiteModule;
    await mod.default(createContext(suite, rows, notes, quick));
  } catch (err) {
    failures.push(`${suite}: ${(err as Error).stack ?? String(err)}`);
    process.stderr.write(`suite ${suite} failed: ${(err as Error).message}\n`);
  }
}

const out = join(here, '..', '.bench-out');
mkdirSync(out, { recursive: true });
writeFileSync(
  join(out, 'results.json'),
  JSON.stringify({ date: new Date().toISOString(), node: process.version, quick, rows, notes, failures }, null, 2),
);

process.stdout.write(`${renderTable(rows)}\n`);
for (const n of notes) process.stdout.write(`- [${n.suite}] ${n.group}: ${n.text}\n`);
if (failures.length > 0) {
  process.stdout.write(`\n${failures.length} suite(s) failed:\n${failures.join('\n')}\n`);
  process.exitCode = 1;
}
