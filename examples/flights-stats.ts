/**
 * Per-distance-band delay statistics of the flights table, computed the same
 * way by the by-reference and the by-value runs of the demo.
 */

/** One row of vega-datasets' flights-200k.json. */
export interface Flight {
  delay: number;
  distance: number;
  time: number;
}

/** Upper bounds (miles) of the distance bands; the last band is open. */
export const BAND_LIMITS = [250, 500, 1000, 1500, 2000] as const;

export interface BandStats {
  band: string;
  flights: number;
  delaySum: number;
  /** Flights more than 15 minutes late. */
  late: number;
  minDelay: number;
  maxDelay: number;
}

export function bandName(i: number): string {
  const lo = i === 0 ? 0 : BAND_LIMITS[i - 1];
  const hi = BAND_LIMITS[i];
  return hi === undefined ? `${lo}+ mi` : `${lo}-${hi} mi`;
}

function emptyBands(): BandStats[] {
  return Array.from({ length: BAND_LIMITS.length + 1 }, (_, i) => ({
    band: bandName(i),
    flights: 0,
    delaySum: 0,
    late: 0,
    minDelay: Infinity,
    maxDelay: -Infinity,
  }));
}

function bandOf(distance: number): number {
  const i = BAND_LIMITS.findIndex((limit) => distance < limit);
  return i === -1 ? BAND_LIMITS.length : i;
}

/** Statistics of one chunk of rows. */
export function chunkStats(rows: readonly Flight[]): BandStats[] {
  const bands = emptyBands();
  for (const row of rows) {
    const b = bands[bandOf(row.distance)] as BandStats;
    b.flights += 1;
    b.delaySum += row.delay;
    if (row.delay > 15) b.late += 1;
    if (row.delay < b.minDelay) b.minDelay = row.delay;
    if (row.delay > b.maxDelay) b.maxDelay = row.delay;
  }
  return bands;
}

/** Merges per-chunk statistics (exact: integer sums, min and max). */
export function mergeStats(parts: readonly BandStats[][]): BandStats[] {
  const total = emptyBands();
  for (const part of parts) {
    part.forEach((b, i) => {
      const t = total[i] as BandStats;
      t.flights += b.flights;
      t.delaySum += b.delaySum;
      t.late += b.late;
      t.minDelay = Math.min(t.minDelay, b.minDelay);
      t.maxDelay = Math.max(t.maxDelay, b.maxDelay);
    });
  }
  return total;
}
