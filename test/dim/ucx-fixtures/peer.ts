/**
 * A UCX DIM peer process for the multi-process tests: it owns a UCXStore
 * whose server listens on 127.0.0.1 and obeys commands sent over IPC. It
 * exits when its parent disconnects, so it never outlives a test.
 */
import { createHash } from 'node:crypto';

import { extract, resolve, reviveProxies } from '../../../src/index.js';
import { UCXStore } from '../../../src/dim/index.js';
import type { DimKey } from '../../../src/dim/index.js';

export type PeerCommand =
  | { op: 'put'; size: number; seed: number }
  | { op: 'proxy'; size: number; seed: number }
  | { op: 'get'; key: DimKey }
  | { op: 'exists'; key: DimKey }
  | { op: 'evict'; key: DimKey }
  | { op: 'resolve'; reference: string; implicit: boolean }
  | { op: 'address' };

export interface PeerReply {
  ok: boolean;
  key?: DimKey;
  reference?: string;
  digest?: string | null;
  size?: number;
  exists?: boolean;
  address?: string;
  error?: { name: string; message: string; address?: string };
}

/** Deterministic bytes: the same size and seed give the same bytes anywhere. */
export function patternBytes(size: number, seed: number): Buffer {
  const out = Buffer.alloc(size);
  const block = Buffer.alloc(Math.min(size, 4096));
  let x = (seed * 2654435761) >>> 0 || 1;
  for (let i = 0; i + 4 <= block.length; i += 4) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    block.writeUInt32LE(x >>> 0, i);
  }
  // Blocks differ by their index, written at their start.
  for (let i = 0; i < size; i += block.length) {
    block.copy(out, i);
    if (i + 4 <= size) out.writeUInt32LE(i / block.length, i);
  }
  return out;
}

export function digest(bytes: Uint8Array | null): string | null {
  if (bytes === null) return null;
  return createHash('sha256').update(bytes).digest('hex');
}

async function run(command: PeerCommand, store: UCXStore): Promise<PeerReply> {
  const connector = store.connector;
  switch (command.op) {
    case 'put': {
      const data = patternBytes(command.size, command.seed);
      const key = await connector.put(data);
      return { ok: true, key, digest: digest(data) };
    }
    case 'proxy': {
      const data = patternBytes(command.size, command.seed);
      const proxy = await store.proxy(data, { populateTarget: false });
      return { ok: true, reference: JSON.stringify(proxy), digest: digest(data) };
    }
    case 'get': {
      const bytes = await connector.get(command.key);
      return { ok: true, digest: digest(bytes), size: bytes?.byteLength ?? -1 };
    }
    case 'exists':
      return { ok: true, exists: await connector.exists(command.key) };
    case 'evict':
      await connector.evict(command.key);
      return { ok: true };
    case 'resolve': {
      const proxy = JSON.parse(command.reference, reviveProxies) as Buffer;
      if (!command.implicit) await resolve(proxy);
      // Reading a property resolves an unresolved proxy synchronously.
      const size = proxy.byteLength;
      return { ok: true, size, digest: digest(extract(proxy)) };
    }
    case 'address':
      return { ok: true, address: await store.connector.serverAddress() };
  }
}

const env = process.env;
const store = new UCXStore(`ucx-peer-${process.pid}`, {
  address: '127.0.0.1',
  port: Number(env['PS_UCX_PEER_PORT'] ?? 0),
  cacheSize: 0,
  register: true,
  chunkSize: Number(env['PS_UCX_PEER_CHUNK'] ?? 64 * 1024),
  maxMessageSize: Number(env['PS_UCX_PEER_MAX'] ?? 1024 ** 3),
  timeoutMs: Number(env['PS_UCX_PEER_TIMEOUT_MS'] ?? 10_000),
});

process.on('message', (message: { rid: number; command: PeerCommand }) => {
  run(message.command, store).then(
    (reply) => process.send?.({ rid: message.rid, reply }),
    (error: Error & { address?: string }) => {
      const info: PeerReply['error'] = { name: error.name, message: error.message };
      if (typeof error.address === 'string') info.address = error.address;
      process.send?.({ rid: message.rid, reply: { ok: false, error: info } });
    },
  );
});
process.on('disconnect', () => {
  void store.close().finally(() => process.exit(0));
});
process.send?.({ ready: true });
