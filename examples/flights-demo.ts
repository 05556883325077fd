/**
 * The main job: pass-by-reference on real data.
 *
 * Splits the 200,000-row flights table (vega-datasets) into chunks, proxies
 * each chunk into a store, sends only the references to a pool of worker
 * processes, which compute per-distance-band delay statistics from their
 * proxies, and reduces the results. Then it runs the same job passing the
 * chunks by value, checks that both answers agree, and prints a table.
 *
 *   npm run demo                                  # FileStore in a temp dir
 *   npm run demo -- --store redis --redis-url redis://127.0.0.1:6379
 *   npm run demo -- --chunks 32 --workers 4
 */
import { fork, type ChildProcess } from 'node:child_process';
import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, sep } from 'node:path';
import { parseArgs } from 'node:util';

import { FileStore, type Store } from 'proxystore';

import { bandName, mergeStats, type BandStats, type Flight } from './flights-stats.js';

const { values: args } = parseArgs({
  options: {
    store: { type: 'string', default: 'file' },
    'redis-url': { type: 'string' },
    chunks: { type: 'string', default: '16' },
    workers: { type: 'string', default: '2' },
    help: { type: 'boolean', default: false },
  },
});

if (!['file', 'redis'].includes(args.store ?? '')) {
  process.stderr.write(`Unknown --store '${args.store}': use file or redis.\n`);
  process.exit(2);
}
if (args.store === 'redis' && args['redis-url'] === undefined && !process.env['REDIS_URL']) {
  process.stderr.write('--store redis needs --redis-url URL or the REDIS_URL variable.\n');
  process.exit(2);
}

if (args.help === true) {
  process.stdout.write(
    'usage: npm run demo -- [--store file|redis] [--redis-url URL] ' +
      '[--chunks N] [--workers N]\n',
  );
  process.exit(0);
}

const chunks = Number(args.chunks);
const workers = Number(args.workers);
for (const [flag, n] of [['--chunks', chunks], ['--workers', workers]] as const) {
  if (!Number.isInteger(n) || n < 1 || n > 256) {
    process.stderr.write(`${flag} must be a whole number from 1 to 256, got ${String(n)}.\n`);
    process.exit(2);
  }
}

const tty = process.stderr.isTTY === true;
let lastLine = '';

/** Progress on stderr: one updating line on a terminal, plain lines otherwise. */
function progress(text: string): void {
  if (tty) {
    process.stderr.write(`\r\x1b[K${text}`);
  } else if (text !== '' && text !== lastLine) {
    process.stderr.write(`${text}\n`);
  }
  lastLine = text;
}

/** Loads the real dataset shipped by the npm package vega-datasets. */
function loadFlights(): Flight[] {
  // vega-datasets exports no subpaths, so find the package folder on disk.
  const require = createRequire(import.meta.url);
  const main = require.resolve('vega-datasets');
  const root = main.slice(0, main.lastIndexOf(`${sep}node_modules${sep}vega-datasets${sep}`));
  const path = join(root, 'node_modules', 'vega-datasets', 'data', 'flights-200k.json');
  return JSON.parse(readFileSync(path, 'utf8')) as Flight[];
}

async function openStore(): Promise<{ store: Store; cleanup: () => Promise<void> }> {
  if (args.store === 'file') {
    const dir = mkdtempSync(join(tmpdir(), 'proxystore-demo-'));
    const store = new FileStore('flights-demo', { storeDir: dir, register: true });
    return {
      store,
      cleanup: async () => {
        await store.close({ clear: true });
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  if (args.store === 'redis') {
    const url = args['redis-url'] ?? process.env['REDIS_URL'];
    if (url === undefined) {
      throw new Error('--store redis needs --redis-url URL or the REDIS_URL variable.');
    }
    const { RedisStore } = await import('proxystore/redis');
    const store = new RedisStore('flights-demo', { url, register: true });
    return { store, cleanup: () => store.close({ clear: true }) };
  }
  throw new Error(`Unknown --store '${args.store}': use file or redis.`);
}

interface Pool {
  ready: Promise<void>;
  run(mode: 'reference' | 'value', payloads: string[]): Promise<BandStats[][]>;
  close(): void;
}

function startPool(size: number): Pool {
  const script = new URL('./flights-worker.ts', import.meta.url).pathname;
  const children: ChildProcess[] = Array.from({ length: size }, () =>
    fork(script, [], { execArgv: ['--import', 'tsx'], stdio: 'inherit' }),
  );
  const ready = Promise.all(
    children.map(
      (child) =>
        new Promise<void>((resolve, reject) => {
          child.once('message', () => resolve());
          child.once('exit', (code) => reject(new Error(`worker exited with ${code}`)));
        }),
    ),
  ).then(() => undefined);
  return {
    ready,
    run(mode, payloads) {
      return new Promise((resolve, reject) => {
        const results: BandStats[][] = new Array<BandStats[]>(payloads.length);
        let next = 0;
        let done = 0;
        const feed = (child: ChildProcess): void => {
          if (next >= payloads.length) return;
          const id = next++;
          child.send({ id, mode, payload: payloads[id] });
        };
        for (const child of children) {
          child.removeAllListeners('message');
          child.on('message', (msg: { id: number; stats?: BandStats[]; error?: string }) => {
            if (msg.error !== undefined) {
              reject(new Error(`worker failed on chunk ${msg.id}: ${msg.error}`));
              return;
            }
            results[msg.id] = msg.stats as BandStats[];
            done += 1;
            const quarter = Math.ceil(payloads.length / 4);
            if (tty || done % quarter === 0 || done === payloads.length) {
              progress(`  ${mode}: ${done}/${payloads.length} chunks done`);
            }
            if (done === payloads.length) resolve(results);
            else feed(child);
          });
          feed(child);
        }
      });
    },
    close() {
      for (const child of children) child.disconnect();
    },
  };
}

function split<T>(rows: T[], n: number): T[][] {
  const size = Math.ceil(rows.length / n);
  return Array.from({ length: n }, (_, i) => rows.slice(i * size, (i + 1) * size));
}

function mb(bytes: number): string {
  return bytes >= 1e6 ? `${(bytes / 1e6).toFixed(2)} MB` : `${(bytes / 1e3).toFixed(1)} kB`;
}

async function main(): Promise<void> {
  progress('loading flights-200k.json from vega-datasets...');
  const flights = loadFlights();
  const parts = split(flights, chunks);
  const { store, cleanup } = await openStore();
  const pool = startPool(workers);

  try {
    progress(`starting ${workers} worker processes...`);
    await pool.ready;
    progress(`proxying ${parts.length} chunks into ${args.store} store...`);
    const t0 = performance.now();
    const proxies = await store.proxyBatch(parts);
    const refs = proxies.map((p) => JSON.stringify(p));
    const byRef = mergeStats(await pool.run('reference', refs));
    const refMs = performance.now() - t0;

    const t1 = performance.now();
    const values = parts.map((rows) => JSON.stringify(rows));
    const byValue = mergeStats(await pool.run('value', values));
    const valueMs = performance.now() - t1;
    progress('');

    const agree = JSON.stringify(byRef) === JSON.stringify(byValue);
    const refBytes = refs.reduce((n, r) => n + Buffer.byteLength(r), 0);
    const valueBytes = values.reduce((n, v) => n + Buffer.byteLength(v), 0);

    const out = process.stdout;
    out.write(`\nflights-200k: ${flights.length} rows, ${parts.length} chunks, `);
    out.write(`${workers} worker processes, store: ${args.store}\n\n`);
    out.write('| run | sent over the task channel | time |\n|---|---|---|\n');
    out.write(`| by reference (proxies) | ${mb(refBytes)} | ${refMs.toFixed(0)} ms |\n`);
    out.write(`| by value (rows) | ${mb(valueBytes)} | ${valueMs.toFixed(0)} ms |\n\n`);
    out.write('| distance band | flights | mean delay (min) | late > 15 min | min | max |\n');
    out.write('|---|---|---|---|---|---|\n');
    byRef.forEach((b, i) => {
      const mean = b.flights === 0 ? 0 : b.delaySum / b.flights;
      const late = b.flights === 0 ? 0 : (100 * b.late) / b.flights;
      out.write(
        `| ${bandName(i)} | ${b.flights} | ${mean.toFixed(2)} | ${late.toFixed(1)} % | ` +
          `${b.minDelay} | ${b.maxDelay} |\n`,
      );
    });
    out.write(`\nby-reference and by-value results agree: ${agree ? 'yes' : 'NO'}\n`);
    if (!agree) process.exitCode = 1;
  } finally {
    pool.close();
    await cleanup();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`\ndemo failed: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
