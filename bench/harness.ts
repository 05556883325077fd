/**
 * Benchmark harness: every figure is a ratio of two operations measured in the
 * same run, interleaved (ABAB...) after warm-ups, so machine noise cancels.
 */
import { performance } from 'node:perf_hooks';

export interface BenchOp {
  label: string;
  fn: () => unknown | Promise<unknown>;
}

export interface CompareSpec {
  group: string;
  /** Payload size in bytes (used for MB/s), when meaningful. */
  size?: number;
  /** The raw baseline. */
  a: BenchOp;
  /** Ours. */
  b: BenchOp;
  iterations?: number;
  warmup?: number;
  /** Ratio target: `max` for time ratios (b/a), `min` for throughput ratios (a/b). */
  target?: { max?: number; min?: number };
  /** 'time' (default): ratio = b/a of median times; 'throughput': ratio = a/b. */
  metric?: 'time' | 'throughput';
}

export interface BenchRow {
  suite: string;
  group: string;
  size: number | null;
  aLabel: string;
  bLabel: string;
  aMedianMs: number;
  bMedianMs: number;
  aP95Ms: number;
  bP95Ms: number;
  aMBps: number | null;
  bMBps: number | null;
  metric: 'time' | 'throughput';
  ratio: number;
  target: string;
  met: boolean | null;
  iterations: number;
}

export interface BenchContext {
  quick: boolean;
  compare(spec: CompareSpec): Promise<BenchRow>;
  /** Records a figure that is not an A/B pair (reported, not a ratio). */
  note(group: string, text: string): void;
  /** Prints progress on stderr. */
  progress(text: string): void;
}

function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[i] as number;
}

async function timeOnce(fn: () => unknown | Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

export function defaultIterations(size: number | undefined, quick: boolean): number {
  if (quick) return 5;
  if (size === undefined || size <= 64 * 1024) return 200;
  if (size <= 4 * 1024 * 1024) return 40;
  return 8;
}

export function createContext(
  suite: string,
  rows: BenchRow[],
  notes: { suite: string; group: string; text: string }[],
  quick: boolean,
): BenchContext {
  return {
    quick,
    progress(text) {
      process.stderr.write(`  [${suite}] ${text}\n`);
    },
    note(group, text) {
      notes.push({ suite, group, text });
    },
    async compare(spec) {
      const iterations = spec.iterations ?? defaultIterations(spec.size, quick);
      const warmup = spec.warmup ?? (quick ? 1 : 3);
      this.progress(`${spec.group}${spec.size === undefined ? '' : ` @ ${fmtSize(spec.size)}`}`);

      for (let i = 0; i < warmup; i++) {
        await spec.a.fn();
        await spec.b.fn();
      }
      const ta: number[] = [];
      const tb: number[] = [];
      for (let i = 0; i < iterations; i++) {
        if (i % 2 === 0) {
          ta.push(await timeOnce(spec.a.fn));
          tb.push(await timeOnce(spec.b.fn));
        } else {
          tb.push(await timeOnce(spec.b.fn));
          ta.push(await timeOnce(spec.a.fn));
        }
      }
      ta.sort((x, y) => x - y);
      tb.sort((x, y) => x - y);

      const metric = spec.metric ?? 'time';
      const aMed = quantile(ta, 0.5);
      const bMed = quantile(tb, 0.5);
      const ratio = metric === 'time' ? bMed / aMed : aMed / bMed;
      const mbps = (ms: number): number | null =>
        spec.size === undefined ? null : spec.size / 1e6 / (ms / 1000);
      let met: boolean | null = null;
      let target = '';
      if (spec.target?.max !== undefined) {
        met = ratio <= spec.target.max;
        target = `<= ${spec.target.max}`;
      } else if (spec.target?.min !== undefined) {
        met = ratio >= spec.target.min;
        target = `>= ${spec.target.min}`;
      }
      const row: BenchRow = {
        suite,
        group: spec.group,
        size: spec.size ?? null,
        aLabel: spec.a.label,
        bLabel: spec.b.label,
        aMedianMs: aMed,
        bMedianMs: bMed,
        aP95Ms: quantile(ta, 0.95),
        bP95Ms: quantile(tb, 0.95),
        aMBps: mbps(aMed),
        bMBps: mbps(bMed),
        metric,
        ratio,
        target,
        met,
        iterations,
      };
      rows.push(row);
      return row;
    },
  };
}

export function fmtSize(bytes: number): string {
  const show = (n: number): string => (Number.isInteger(n) ? String(n) : n.toFixed(2));
  if (bytes >= 1024 * 1024) return `${show(bytes / (1024 * 1024))} MiB`;
  if (bytes >= 1024) return `${show(bytes / 1024)} KiB`;
  return `${bytes} B`;
}

function fmtMs(ms: number): string {
  if (ms < 0.1) return `${(ms * 1000).toFixed(1)} us`;
  if (ms < 100) return `${ms.toFixed(3)} ms`;
  return `${ms.toFixed(0)} ms`;
}

/** Renders rows as a Markdown table. */
export function renderTable(rows: BenchRow[]): string {
  const head =
    '| suite | comparison | size | raw (A) median | ours (B) median | ratio | target | met |';
  const sep = '|---|---|---|---|---|---|---|---|';
  const lines = rows.map((r) => {
    const kind = r.metric === 'time' ? 'B/A time' : 'A/B thr.';
    const met = r.met === null ? '' : r.met ? 'yes' : 'NO';
    return (
      `| ${r.suite} | ${r.group} (${r.bLabel} vs ${r.aLabel}) | ` +
      `${r.size === null ? '' : fmtSize(r.size)} | ${fmtMs(r.aMedianMs)} | ` +
      `${fmtMs(r.bMedianMs)} | ${r.ratio.toFixed(3)} ${kind} | ${r.target} | ${met} |`
    );
  });
  return [head, sep, ...lines].join('\n');
}

export const KiB = 1024;
export const MiB = 1024 * 1024;

/** The standard sizes: 1 KiB, 1 MiB, 64 MiB (quick mode stops at 1 MiB). */
export function standardSizes(quick: boolean): number[] {
  return quick ? [KiB, MiB] : [KiB, MiB, 64 * MiB];
}
