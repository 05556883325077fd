import { inspect, type InspectOptions } from 'node:util';

/** Timing statistics of one operation on one key. */
export interface TimeStats {
  count: number;
  totalMs: number;
  avgMs: number;
  minMs: number;
  maxMs: number;
  lastMs: number;
}

/** What the store recorded for one key. */
export interface KeyMetrics {
  /** Counters, for example `store.get.cache_hits`. */
  counters: Record<string, number>;
  /** Sizes in bytes, for example `store.put.object_size`. */
  sizes: Record<string, number>;
  /** Timings per operation, for example `store.get.connector`. */
  times: Record<string, TimeStats>;
}

function emptyStats(): TimeStats {
  return { count: 0, totalMs: 0, avgMs: 0, minMs: Infinity, maxMs: 0, lastMs: 0 };
}

/**
 * Per-key operation metrics of a store (opt-in with `metrics: true`). The
 * store only calls into this class when metrics are on, so they cost nothing
 * when off. Keys are identified by their stable JSON string.
 */
export class StoreMetrics {
  readonly #byKey = new Map<string, KeyMetrics>();

  #entry(key: string): KeyMetrics {
    let entry = this.#byKey.get(key);
    if (entry === undefined) {
      entry = { counters: {}, sizes: {}, times: {} };
      this.#byKey.set(key, entry);
    }
    return entry;
  }

  addTime(key: string, name: string, ms: number): void {
    const times = this.#entry(key).times;
    const stats = times[name] ?? emptyStats();
    stats.count += 1;
    stats.totalMs += ms;
    stats.avgMs = stats.totalMs / stats.count;
    stats.minMs = Math.min(stats.minMs, ms);
    stats.maxMs = Math.max(stats.maxMs, ms);
    stats.lastMs = ms;
    times[name] = stats;
  }

  addCounter(key: string, name: string, by = 1): void {
    const counters = this.#entry(key).counters;
    counters[name] = (counters[name] ?? 0) + by;
  }

  setSize(key: string, name: string, bytes: number): void {
    this.#entry(key).sizes[name] = bytes;
  }

  /** A copy of what was recorded for a key (its stable string), or undefined. */
  get(key: string): KeyMetrics | undefined {
    const entry = this.#byKey.get(key);
    return entry === undefined ? undefined : structuredClone(entry);
  }

  /** Timings summed over every key, per operation name. */
  aggregateTimes(): Record<string, TimeStats> {
    const out: Record<string, TimeStats> = {};
    for (const entry of this.#byKey.values()) {
      for (const [name, s] of Object.entries(entry.times)) {
        const agg = out[name] ?? emptyStats();
        agg.count += s.count;
        agg.totalMs += s.totalMs;
        agg.avgMs = agg.totalMs / agg.count;
        agg.minMs = Math.min(agg.minMs, s.minMs);
        agg.maxMs = Math.max(agg.maxMs, s.maxMs);
        agg.lastMs = s.lastMs;
        out[name] = agg;
      }
    }
    return out;
  }

  clear(): void {
    this.#byKey.clear();
  }

  /** Everything recorded, by key string (a copy): what `JSON.stringify` shows. */
  toJSON(): Record<string, KeyMetrics> {
    return Object.fromEntries(
      [...this.#byKey.entries()].map(([key, entry]) => [key, structuredClone(entry)]),
    );
  }

  /** Printing `store.metrics` (util.inspect) shows the recorded keys, not `{}`. */
  [inspect.custom](_depth: number, options: InspectOptions): string {
    return `StoreMetrics ${inspect(this.toJSON(), { ...options, depth: 4 })}`;
  }
}
