/**
 * RedisStore vs raw ioredis on a redis-server this suite starts (127.0.0.1,
 * free port), at 1 KiB, 1 MiB and 64 MiB:
 *   implicit resolve: a fresh proxy's first use, read through the bridge
 *     worker (Atomics.wait), vs `getBuffer` of the same stored bytes;
 *     targets B/A <= 2.0 / 1.2 / 1.1.
 *   async resolve: `await resolve(p)` vs the same `getBuffer`;
 *     targets B/A <= 1.5 / 1.1 / 1.1.
 * Then the BullMQ queue example, 100 jobs of 1 MiB by value vs by reference
 * (end-to-end time as a ratio; Redis used_memory after the jobs completed,
 * as notes).
 */
import { randomBytes } from 'node:crypto';

import { Redis } from 'ioredis';

import { shutdownBridge } from '../../src/bridge/index.js';
import { extract, resolve } from '../../src/index.js';
import { RedisStore } from '../../src/redis/index.js';
import { runJobs, type QueueRunResult } from '../../examples/bullmq-by-reference.js';
import { startRedisServer } from '../../test/helpers/redis-server.js';
import { KiB, MiB, standardSizes, type BenchContext } from '../harness.js';

export const name = 'redis';

const IMPLICIT_TARGET: Record<number, number> = { [KiB]: 2.0, [MiB]: 1.2, [64 * MiB]: 1.1 };
const ASYNC_TARGET: Record<number, number> = { [KiB]: 1.5, [MiB]: 1.1, [64 * MiB]: 1.1 };

export default async function run(ctx: BenchContext): Promise<void> {
  const server = await startRedisServer();
  const raw = new Redis({ host: server.host, port: server.port });
  const store = new RedisStore('bench-redis', { url: server.url, cacheSize: 0 });

  try {
    for (const size of standardSizes(ctx.quick)) {
      await compareReads(ctx, store, raw, size);
    }
    await compareQueue(ctx, server.url);
  } finally {
    await store.close({ clear: true });
    await shutdownBridge();
    raw.disconnect();
    await server.stop();
  }
}

async function compareReads(
  ctx: BenchContext,
  store: RedisStore,
  raw: Redis,
  size: number,
): Promise<void> {
  const key = await store.put(randomBytes(size));
  const expected = size + 3; // the 'BS\n' header Python ProxyStore also writes

  const rawGet = {
    label: 'raw ioredis getBuffer',
    fn: async () => {
      const bytes = await raw.getBuffer(key.id);
      if (bytes?.length !== expected) throw new Error(`raw read ${bytes?.length} bytes`);
    },
  };

  await ctx.compare({
    group: 'redis: implicit resolve (bridge) vs raw getBuffer',
    size,
    a: rawGet,
    b: {
      label: 'proxy first use (sync, bridge)',
      fn: () => {
        const p = store.proxyFromKey<Buffer>(key, { kind: 'buffer' });
        if (p.length !== size) throw new Error(`proxy resolved to ${p.length} bytes`);
      },
    },
    target: { max: IMPLICIT_TARGET[size] ?? 1.1 },
  });

  await ctx.compare({
    group: 'redis: await resolve(proxy) vs raw getBuffer',
    size,
    a: rawGet,
    b: {
      label: 'await resolve(proxy)',
      fn: async () => {
        const p = store.proxyFromKey<Buffer>(key, { kind: 'buffer' });
        await resolve(p);
        if (extract(p).length !== size) throw new Error('wrong size');
      },
    },
    target: { max: ASYNC_TARGET[size] ?? 1.1 },
  });

  await store.evict(key);
}

async function compareQueue(ctx: BenchContext, redisUrl: string): Promise<void> {
  const jobs = ctx.quick ? 10 : 100;
  const payloadBytes = ctx.quick ? 256 * KiB : MiB;
  const runs = ctx.quick ? 1 : 3;
  const last: { value?: QueueRunResult; reference?: QueueRunResult } = {};

  const admin = new Redis(redisUrl);
  const usedMemory = async (): Promise<number> => {
    const info = await admin.info('memory');
    return Number(/used_memory:(\d+)/.exec(info)?.[1] ?? Number.NaN);
  };

  try {
    const baseline = await usedMemory();
    await ctx.compare({
      group: `queue: ${jobs} BullMQ jobs by reference vs by value`,
      size: payloadBytes,
      a: {
        label: 'by value (base64 in the job)',
        fn: async () => {
          last.value = await runJobs({ redisUrl, jobs, payloadBytes, byReference: false });
          if (last.value.verified !== jobs) throw new Error('a payload arrived damaged');
        },
      },
      b: {
        label: 'by reference (RedisStore)',
        fn: async () => {
          last.reference = await runJobs({ redisUrl, jobs, payloadBytes, byReference: true });
          if (last.reference.verified !== jobs) throw new Error('a payload arrived damaged');
        },
      },
      iterations: runs,
      warmup: 0,
    });

    const mb = (r: QueueRunResult | undefined): string =>
      r === undefined ? 'n/a' : `${((r.usedMemoryAfter - baseline) / 1e6).toFixed(1)} MB`;
    ctx.note(
      'queue: Redis used_memory after all jobs completed (above baseline)',
      `by value ${mb(last.value)}, by reference ${mb(last.reference)} ` +
        `(${jobs} jobs of ${payloadBytes / KiB} KiB; BullMQ keeps completed jobs)`,
    );
  } finally {
    admin.disconnect();
  }
}
