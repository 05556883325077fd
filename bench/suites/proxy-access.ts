/**
 * Property access on a resolved proxy vs on the plain object (reported, no
 * target: a JavaScript Proxy trap costs tens of nanoseconds by design; hot
 * loops should extract() first).
 */
import { LocalStore } from '../../src/index.js';
import type { BenchContext } from '../harness.js';

export const name = 'proxy-access';

const READS = 1_000_000;

export default async function run(ctx: BenchContext): Promise<void> {
  const store = new LocalStore('bench-access');
  const plain = { a: 1, b: 'x', nested: { c: 2 } };
  const proxy = await store.proxy(plain);
  let sink = 0;

  const row = await ctx.compare({
    group: `${READS.toLocaleString('en')} property reads on a resolved proxy vs the object`,
    a: {
      label: 'plain object',
      fn: () => {
        for (let i = 0; i < READS; i++) sink += plain.a;
      },
    },
    b: {
      label: 'resolved proxy',
      fn: () => {
        for (let i = 0; i < READS; i++) sink += proxy.a;
      },
    },
    iterations: ctx.quick ? 5 : 30,
  });
  const ns = (row.bMedianMs * 1e6) / READS;
  ctx.note('proxy access', `${ns.toFixed(1)} ns per read through the proxy (sink ${sink > 0})`);
  await store.close();
}
