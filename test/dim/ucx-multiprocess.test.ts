/**
 * UCXStore across real processes: each child owns a store whose server
 * listens on its own 127.0.0.1 port (UCX over TCP on `lo`); objects put in
 * one are fetched from the others, by key, with `await resolve` and
 * implicitly (through the bridge), including by the process that holds
 * them. Peers killed mid-transfer or frozen fail with typed errors.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';

import { ucxSkip } from './ucx-fixtures/available.js';
import { digest, patternBytes } from './ucx-fixtures/peer.js';
import { UcxPeerProcess } from './ucx-fixtures/peer-process.js';
import { UCXConnector } from '../../src/dim/index.js';
import type { DimKey } from '../../src/dim/index.js';
import { loadUcxAddon } from '../../src/dim/ucx-binding.js';
import { DimPeerUnavailableError, DimTimeoutError } from '../../src/errors.js';

const CHUNK = 64 * 1024;
const TIMEOUT = { timeout: 120_000 };

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('UCXStore across processes', { skip: ucxSkip, timeout: 900_000 }, () => {
  const peers: UcxPeerProcess[] = [];
  const env = { PS_UCX_PEER_CHUNK: String(CHUNK) };
  let a: UcxPeerProcess;
  let b: UcxPeerProcess;
  let c: UcxPeerProcess;
  let client: UCXConnector;

  const startPeer = async (extra: Record<string, string> = {}): Promise<UcxPeerProcess> => {
    const peer = await UcxPeerProcess.start({ ...env, ...extra });
    peers.push(peer);
    return peer;
  };

  before(async () => {
    for (let i = 0; i < 3; i++) await startPeer();
    [a, b, c] = peers as [UcxPeerProcess, UcxPeerProcess, UcxPeerProcess];
    client = new UCXConnector({ timeoutMs: 10_000, chunkSize: CHUNK });
  });

  after(async () => {
    await client?.close();
    await Promise.all(peers.map((p) => p.stop()));
  });

  it('each process runs its own server on a loopback port', TIMEOUT, async () => {
    const replies = await Promise.all([a, b, c].map((p) => p.ok({ op: 'address' })));
    const addresses = replies.map((r) => r.address);
    assert.equal(new Set(addresses).size, 3);
    for (const address of addresses) assert.match(address ?? '', /^127\.0\.0\.1:\d+$/);
  });

  const sizes = [0, 1, CHUNK - 8, CHUNK, 3 * CHUNK + 17, 8 * 1024 * 1024 + 3];
  for (const size of sizes) {
    it(`an object of ${size} bytes put in A is fetched by B, C and here`, TIMEOUT, async () => {
      const put = await a.ok({ op: 'put', size, seed: size + 1 });
      const key = put.key as DimKey;
      assert.equal(key.size, size);
      assert.equal(put.digest, digest(patternBytes(size, size + 1)));

      for (const peer of [b, c]) {
        const got = await peer.ok({ op: 'get', key });
        assert.equal(got.size, size);
        assert.equal(got.digest, put.digest);
      }
      assert.equal(digest(await client.get(key)), put.digest);
    });
  }

  it('exists and evict go to the peer named in the key', TIMEOUT, async () => {
    const key = (await a.ok({ op: 'put', size: 100, seed: 7 })).key as DimKey;
    assert.equal((await b.ok({ op: 'exists', key })).exists, true);
    await c.ok({ op: 'evict', key });
    assert.equal((await b.ok({ op: 'exists', key })).exists, false);
    assert.equal((await a.ok({ op: 'get', key })).digest, null);
    assert.equal(await client.get(key), null);
  });

  it('keeps concurrent gets from several peers apart', TIMEOUT, async () => {
    const puts = await Promise.all(
      [a, b, c, a, b].map((p, i) => p.ok({ op: 'put', size: 2 * 1024 * 1024 + i, seed: i })),
    );
    const got = await Promise.all(puts.map((p) => client.get(p.key as DimKey)));
    got.forEach((bytes, i) => assert.equal(digest(bytes), puts[i]?.digest));
  });

  it('a proxy made in A resolves in B with await resolve', TIMEOUT, async () => {
    const made = await a.ok({ op: 'proxy', size: 1024 * 1024, seed: 11 });
    const reference = made.reference ?? '';
    const resolved = await b.ok({ op: 'resolve', reference, implicit: false });
    assert.equal(resolved.size, 1024 * 1024);
    assert.equal(resolved.digest, made.digest);
  });

  it('a proxy made in A resolves implicitly in C (through the bridge)', TIMEOUT, async () => {
    const made = await a.ok({ op: 'proxy', size: 300 * 1024, seed: 12 });
    const resolved = await c.ok({ op: 'resolve', reference: made.reference ?? '', implicit: true });
    assert.equal(resolved.size, 300 * 1024);
    assert.equal(resolved.digest, made.digest);
  });

  it('a proxy resolves implicitly in the process whose server holds it', TIMEOUT, async () => {
    // The server answers on the addon's progress thread while A's main
    // thread is blocked in the synchronous resolve.
    const made = await a.ok({ op: 'proxy', size: 200 * 1024, seed: 13 });
    const resolved = await a.ok({ op: 'resolve', reference: made.reference ?? '', implicit: true });
    assert.equal(resolved.digest, made.digest);
  });

  it('a second process on a fixed port uses the server already there', TIMEOUT, async () => {
    const port = String(await freePort());
    const first = await startPeer({ PS_UCX_PEER_PORT: port });
    const second = await startPeer({ PS_UCX_PEER_PORT: port });
    assert.equal((await first.ok({ op: 'address' })).address, `127.0.0.1:${port}`);

    const put = await second.ok({ op: 'put', size: 5000, seed: 21 });
    const key = put.key as DimKey;
    assert.equal(key.port, Number(port));

    // The object lives in the first process: it outlives the second.
    await second.stop();
    assert.equal(digest(await client.get(key)), put.digest);
    await first.stop();
    await assert.rejects(client.get(key), DimPeerUnavailableError);
  });

  it('a peer killed mid-transfer fails the get with its address', TIMEOUT, async () => {
    const d = await startPeer({ PS_UCX_PEER_CHUNK: String(1024 * 1024) });
    const address = (await d.ok({ op: 'address' })).address ?? '';
    const size = 512 * 1024 * 1024;
    const key = (await d.ok({ op: 'put', size, seed: 5 })).key as DimKey;
    const fresh = new UCXConnector({ timeoutMs: 30_000, chunkSize: 1024 * 1024 });
    const addon = loadUcxAddon();

    try {
      const start = addon.stats().receivedBytes;
      const getting = fresh.get(key);
      getting.catch(() => undefined);

      // Kill D once more than 1 MiB of its answer has arrived here.
      let arrived = 0;
      for (let i = 0; i < 60_000 && arrived <= 1024 * 1024; i++) {
        await sleep(1);
        arrived = addon.stats().receivedBytes - start;
      }
      assert.ok(arrived > 1024 * 1024, 'the transfer started');
      await d.kill();

      await assert.rejects(getting, (error: unknown) => {
        assert.ok(error instanceof DimPeerUnavailableError, String(error));
        assert.equal(error.address, address);
        assert.match(error.message, new RegExp(address.replace(/\./g, '\\.')));
        return true;
      });
      assert.ok(addon.stats().receivedBytes - start < size, 'D died before the end');

      // A later request to the dead peer fails the same way; others still work.
      await assert.rejects(fresh.exists(key), DimPeerUnavailableError);
      const live = (await b.ok({ op: 'put', size: 10, seed: 1 })).key as DimKey;
      assert.equal(digest(await fresh.get(live)), digest(patternBytes(10, 1)));
    } finally {
      await fresh.close();
      await d.kill();
    }
  });

  it('a frozen peer fails the request with DimTimeoutError', TIMEOUT, async () => {
    const e = await startPeer();
    const address = (await e.ok({ op: 'address' })).address ?? '';
    const key = (await e.ok({ op: 'put', size: 10, seed: 3 })).key as DimKey;
    const impatient = new UCXConnector({ timeoutMs: 500 });

    try {
      e.pause(true);
      await assert.rejects(impatient.get(key), (error: unknown) => {
        assert.ok(error instanceof DimTimeoutError, String(error));
        assert.equal(error.address, address);
        return true;
      });
      e.pause(false);
      assert.equal(digest(await impatient.get(key)), digest(patternBytes(10, 3)));
    } finally {
      e.pause(false);
      await impatient.close();
      await e.stop();
    }
  });
});
