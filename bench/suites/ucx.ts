/**
 * UCXStore get versus a raw UCX transfer of the same bytes between the same
 * two processes (this one and a forked peer), at 1 KiB, 1 MiB and 64 MiB,
 * over UCX's TCP transport on the loopback device. Targets: at least 0.7 of
 * the raw throughput, and at least 1 GB/s at 64 MiB.
 *
 * The raw transfer is one UCX active message holding the bytes, answered by
 * the peer's addon from a buffer (no store, no chunking, no serialization);
 * the store get goes through Store, UCXConnector, the chunked protocol and
 * deserialization. The peer is this file, forked with BENCH_UCX_PEER=1.
 */
import { randomBytes } from 'node:crypto';

import { UCXStore, isUcxAvailable } from '../../src/dim/index.js';
import type { DimKey } from '../../src/dim/index.js';
import { localServer } from '../../src/dim/server-registry.js';
import { UCX_OPS, callUcx, loadUcxAddon } from '../../src/dim/ucx-binding.js';
import type { UcxReply } from '../../src/dim/ucx-binding.js';
import { UcxServerHandle } from '../../src/dim/ucx-server.js';
import type { BenchContext } from '../harness.js';
import { forkPeer, stopPeer } from '../helpers/fork-peer.js';
import { MiB, fmtSize, standardSizes } from '../harness.js';

export const name = 'ucx';

/** UCX over TCP on the loopback device only (unless the caller chose). */
const LOOPBACK = { UCX_TLS: 'tcp', UCX_NET_DEVICES: 'lo' };

interface PeerReady {
  host: string;
  port: number;
  keys: Record<string, DimKey>;
}

if (process.env['BENCH_UCX_PEER'] === '1') await runPeer();

async function runPeer(): Promise<void> {
  const sizes = JSON.parse(process.env['BENCH_UCX_SIZES'] ?? '[]') as number[];
  const store = new UCXStore('bench-ucx-peer', { address: '127.0.0.1', cacheSize: 0 });
  const keys: Record<string, DimKey> = {};

  for (const size of sizes) {
    const key = await store.put(randomBytes(size));
    keys[size] = key;
  }
  const first = Object.values(keys)[0] as DimKey;
  const server = localServer('ucx', first.host, first.port);
  if (!(server instanceof UcxServerHandle)) throw new Error('no local UCX server');
  for (const key of Object.values(keys)) {
    await server.setRaw(String(key.size), randomBytes(key.size));
  }

  process.send?.({ host: first.host, port: first.port, keys } satisfies PeerReady);
  process.once('disconnect', () => {
    void store.close().finally(() => process.exit(0));
  });
}

export default async function run(ctx: BenchContext): Promise<void> {
  for (const [variable, value] of Object.entries(LOOPBACK)) process.env[variable] ??= value;
  if (!isUcxAvailable()) {
    if (process.env['PROXYSTORE_REQUIRE_UCX'] === '1') loadUcxAddon();
    ctx.note('ucx', 'skipped: the UCX addon is not built (node scripts/build-ucx.mjs)');
    return;
  }

  const sizes = standardSizes(ctx.quick);
  const { child, ready } = await forkPeer<PeerReady>(import.meta.url, {
    ...LOOPBACK,
    ...process.env,
    BENCH_UCX_PEER: '1',
    BENCH_UCX_SIZES: JSON.stringify(sizes),
  });
  const store = new UCXStore('bench-ucx-client', { cacheSize: 0 });
  const addon = loadUcxAddon();
  const { host, port } = ready;

  try {
    let bestLarge = 0;
    for (const size of sizes) {
      const key = ready.keys[size] as DimKey;
      const raw = (): Promise<UcxReply> =>
        callUcx<UcxReply>((done) =>
          addon.request(host, port, UCX_OPS.raw, String(key.size), null, 2 ** 31, 1 << 30, done),
        );
      const iterations = ctx.quick ? 5 : size >= 64 * MiB ? 16 : size >= MiB ? 100 : 400;

      const row = await ctx.compare({
        group: 'ucx: UCXStore get vs raw UCX transfer',
        size,
        a: {
          label: 'raw UCX active message',
          fn: async () => {
            const data = await raw();
            if (!(data instanceof ArrayBuffer) || data.byteLength !== key.size) {
              throw new Error('short raw answer');
            }
          },
        },
        b: {
          label: 'UCXStore.get',
          fn: async () => {
            const value = (await store.get(key)) as Uint8Array | null;
            if (value?.byteLength !== size) throw new Error('UCXStore.get missed');
          },
        },
        iterations,
        metric: 'throughput',
        target: { min: 0.7 },
      });
      if (size >= 64 * MiB) bestLarge = row.bMBps ?? 0;
    }

    if (bestLarge > 0) {
      const met = bestLarge >= 1000 ? 'met' : 'NOT met';
      const rate = bestLarge.toFixed(0);
      ctx.note('ucx', `UCXStore.get at 64 MiB: ${rate} MB/s (target >= 1000: ${met})`);
    }
    const shown = sizes.map(fmtSize).join(', ');
    ctx.note('ucx', `sizes ${shown}; UCX ${addon.version()}; peer pid ${child.pid}`);
  } finally {
    await store.close();
    await stopPeer(child);
  }
}
