/**
 * WebsocketStore get versus a raw `ws` transfer of the same bytes between
 * the same two processes (this one and a forked peer), at 1 KiB, 1 MiB and
 * 64 MiB. Target: at least 0.8 of the raw throughput at 1 MiB and above.
 *
 * The peer is this same file, forked with BENCH_WS_PEER=1: it runs a raw
 * `ws` server that answers a 4-byte size request with that many bytes, and a
 * WebsocketStore holding one object per size. Both listen on 127.0.0.1.
 * BENCH_WS_CHUNK=<bytes> sets the peer's chunk size (for tuning).
 */
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';

import WebSocket, { WebSocketServer } from 'ws';

import { WebsocketStore } from '../../src/dim/index.js';
import type { DimKey } from '../../src/dim/index.js';
import type { BenchContext } from '../harness.js';
import { forkPeer, stopPeer } from '../helpers/fork-peer.js';
import { MiB, fmtSize, standardSizes } from '../harness.js';

export const name = 'websocket';

/** Largest raw message: the biggest object plus its serialization header. */
const MAX_PAYLOAD = 64 * MiB + 1024;

interface PeerReady {
  rawPort: number;
  keys: Record<string, DimKey>;
  /** Bytes the store holds per size (serialized: a small header + the object). */
  stored: Record<string, number>;
}

if (process.env['BENCH_WS_PEER'] === '1') await runPeer();

async function runPeer(): Promise<void> {
  const sizes = JSON.parse(process.env['BENCH_WS_SIZES'] ?? '[]') as number[];
  const chunkSize = Number(process.env['BENCH_WS_CHUNK'] ?? 0) || undefined;
  const store = new WebsocketStore('bench-ws-peer', {
    address: '127.0.0.1',
    cacheSize: 0,
    chunkSize,
  });
  const keys: Record<string, DimKey> = {};
  const stored: Record<string, number> = {};
  const raw = new Map<number, Buffer>();

  for (const size of sizes) {
    const key = await store.put(randomBytes(size));
    keys[size] = key;
    stored[size] = key.size;
    raw.set(key.size, randomBytes(key.size));
  }

  const server = new WebSocketServer({
    host: '127.0.0.1',
    port: 0,
    perMessageDeflate: false,
    maxPayload: MAX_PAYLOAD,
  });
  server.on('error', () => undefined);
  server.on('connection', (socket) => {
    socket.on('error', () => undefined);
    socket.on('message', (data: Buffer) => {
      const bytes = raw.get(data.readUInt32LE(0));
      if (bytes !== undefined) socket.send(bytes, { binary: true });
    });
  });
  await new Promise<void>((resolve) => server.once('listening', resolve));

  const rawPort = (server.address() as AddressInfo).port;
  process.send?.({ rawPort, keys, stored } satisfies PeerReady);
  process.once('disconnect', () => {
    for (const client of server.clients) client.terminate();
    server.close();
    void store.close().finally(() => process.exit(0));
  });
}

/** A raw client: one request (4-byte size), one binary answer. */
async function rawClient(port: number): Promise<{
  fetch: (size: number) => Promise<Buffer>;
  close: () => void;
}> {
  const socket = new WebSocket(`ws://127.0.0.1:${port}`, {
    perMessageDeflate: false,
    maxPayload: MAX_PAYLOAD,
  });
  socket.on('error', () => undefined);
  await new Promise<void>((resolve, reject) => {
    socket.once('open', resolve);
    socket.once('close', () => reject(new Error('raw bench socket closed')));
  });

  let waiting: ((data: Buffer) => void) | undefined;
  socket.on('message', (data: Buffer) => waiting?.(data));
  const request = Buffer.alloc(4);
  return {
    fetch: (size) =>
      new Promise<Buffer>((resolve) => {
        waiting = resolve;
        request.writeUInt32LE(size, 0);
        socket.send(request, { binary: true });
      }),
    close: () => socket.terminate(),
  };
}

export default async function run(ctx: BenchContext): Promise<void> {
  const sizes = standardSizes(ctx.quick);
  const { child, ready } = await forkPeer<PeerReady>(import.meta.url, {
    ...process.env,
    BENCH_WS_PEER: '1',
    BENCH_WS_SIZES: JSON.stringify(sizes),
  });
  const store = new WebsocketStore('bench-ws-client', { cacheSize: 0 });
  let raw: Awaited<ReturnType<typeof rawClient>> | undefined;

  try {
    raw = await rawClient(ready.rawPort);
    const client = raw;
    for (const size of sizes) {
      const key = ready.keys[size] as DimKey;
      const stored = ready.stored[size] as number;
      const iterations = ctx.quick ? 5 : size >= 64 * MiB ? 10 : size >= MiB ? 40 : 200;

      await ctx.compare({
        group: 'websocket: WebsocketStore get vs raw ws transfer',
        size,
        a: {
          label: 'raw ws message',
          fn: async () => {
            const data = await client.fetch(stored);
            if (data.byteLength !== stored) throw new Error('short raw answer');
          },
        },
        b: {
          label: 'WebsocketStore.get',
          fn: async () => {
            const value = (await store.get(key)) as Uint8Array | null;
            if (value?.byteLength !== size) throw new Error('WebsocketStore.get missed');
          },
        },
        iterations,
        metric: 'throughput',
        ...(size >= MiB ? { target: { min: 0.8 } } : {}),
      });
    }
    ctx.note('websocket', `sizes ${sizes.map(fmtSize).join(', ')}; peer pid ${child.pid}`);
  } finally {
    raw?.close();
    await store.close();
    await stopPeer(child);
  }
}
