/**
 * WebsocketStore across real processes: each child owns a store whose
 * server listens on its own 127.0.0.1 port; objects put in one are fetched
 * from the others, by key, with `await resolve` and implicitly (through the
 * bridge), including by the process that holds them.
 */
import assert from 'node:assert/strict';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import type { Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';

import { WebsocketConnector } from '../../src/dim/index.js';
import type { DimKey } from '../../src/dim/index.js';
import { DimPeerUnavailableError } from '../../src/errors.js';
import { digest, patternBytes } from './fixtures/dim-peer.js';
import { PeerProcess } from './fixtures/peer-process.js';

const CHUNK = 64 * 1024;
const TIMEOUT = { timeout: 120_000 };

describe('WebsocketStore across processes', { timeout: 600_000 }, () => {
  const peers: PeerProcess[] = [];
  let a: PeerProcess;
  let b: PeerProcess;
  let c: PeerProcess;
  let client: WebsocketConnector;

  before(async () => {
    const env = { DIM_CHUNK_SIZE: String(CHUNK) };
    for (let i = 0; i < 3; i++) peers.push(await PeerProcess.start(env));
    [a, b, c] = peers as [PeerProcess, PeerProcess, PeerProcess];
    client = new WebsocketConnector({ timeoutMs: 10_000, chunkSize: CHUNK });
  });

  after(async () => {
    await client?.close();
    await Promise.all(peers.map((p) => p.stop()));
  });

  it('each process runs its own server on a loopback port', TIMEOUT, async () => {
    const replies = await Promise.all(peers.map((p) => p.ok({ op: 'address' })));
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

  it('serves concurrent gets of different objects over one connection', TIMEOUT, async () => {
    const puts = await Promise.all(
      [1, 2, 3, 4].map((seed) => a.ok({ op: 'put', size: 2 * 1024 * 1024 + seed, seed })),
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
    assert.equal(resolved.digest, made.digest);
  });

  it('a proxy resolves implicitly in the process whose server holds it', TIMEOUT, async () => {
    // The server runs in a worker thread, so the blocked main thread is served.
    const made = await a.ok({ op: 'proxy', size: 200 * 1024, seed: 13 });
    const resolved = await a.ok({ op: 'resolve', reference: made.reference ?? '', implicit: true });
    assert.equal(resolved.digest, made.digest);
  });

  it('a peer killed mid-transfer fails the get with its address', TIMEOUT, async () => {
    const d = await PeerProcess.start({ DIM_CHUNK_SIZE: String(CHUNK) });
    peers.push(d);
    const address = (await d.ok({ op: 'address' })).address;
    const key = (await d.ok({ op: 'put', size: 64 * 1024 * 1024, seed: 5 })).key as DimKey;

    // Kill D once more than 1 MiB of its answer has arrived here.
    let received = 0;
    let killing: Promise<void> | undefined;
    const onSocket = ({ socket }: { socket: Socket }): void => {
      socket.on('data', (data: Buffer) => {
        received += data.byteLength;
        if (received > 1024 * 1024) killing ??= d.kill();
      });
    };
    subscribe('net.client.socket', onSocket as (message: unknown) => void);
    const fresh = new WebsocketConnector({ timeoutMs: 10_000, chunkSize: CHUNK });
    try {
      await assert.rejects(fresh.get(key), (error: unknown) => {
        assert.ok(error instanceof DimPeerUnavailableError, String(error));
        assert.equal(error.address, address);
        assert.match(error.message, new RegExp(address?.replace(/\./g, '\\.') ?? ''));
        return true;
      });
      assert.ok(killing !== undefined, 'the peer was killed during the transfer');
      await killing;

      // A later request to the dead peer fails the same way, and others still work.
      await assert.rejects(fresh.exists(key), DimPeerUnavailableError);
      const live = (await b.ok({ op: 'put', size: 10, seed: 1 })).key as DimKey;
      assert.equal(digest(await fresh.get(live)), digest(patternBytes(10, 1)));
    } finally {
      unsubscribe('net.client.socket', onSocket as (message: unknown) => void);
      await fresh.close();
      await d.kill();
    }
  });
});
