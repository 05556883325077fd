/**
 * The default serializer vs node:v8 on the same value (round trip:
 * serialize then deserialize). Target: at least 0.9 of v8's throughput.
 */
import v8 from 'node:v8';

import { deserialize, serialize } from '../../src/index.js';
import { MiB, type BenchContext } from '../harness.js';

export const name = 'serialize';

/** An array of flight-like records whose v8 encoding is about `bytes` long. */
function records(bytes: number): object[] {
  const n = Math.max(1, Math.round(bytes / 40));
  return Array.from({ length: n }, (_, i) => ({
    delay: (i * 7) % 300,
    distance: (i * 13) % 3000,
    time: i / 100,
  }));
}

export default async function run(ctx: BenchContext): Promise<void> {
  const cases: [string, unknown][] = [
    ['object tree 1 MiB', records(MiB)],
    ['Float64Array 1 MiB', new Float64Array(MiB / 8).map((_, i) => i)],
  ];
  if (!ctx.quick) {
    cases.push(['object tree 64 MiB', records(64 * MiB)]);
    cases.push(['Float64Array 64 MiB', new Float64Array((64 * MiB) / 8).map((_, i) => i)]);
  }

  for (const [label, value] of cases) {
    const size = v8.serialize(value).byteLength;
    await ctx.compare({
      group: `round trip, ${label}`,
      size,
      a: { label: 'v8.serialize/deserialize', fn: () => v8.deserialize(v8.serialize(value)) },
      b: { label: 'proxystore serialize/deserialize', fn: () => deserialize(serialize(value)) },
      metric: 'throughput',
      target: { min: 0.9 },
    });
  }
}
