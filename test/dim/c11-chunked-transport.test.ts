/**
 * Case C11: a chunked transport must reassemble before decoding, and chunks
 * of concurrent messages must never mix. Here both directions go over a real
 * socket to another process's server, in 1 KiB chunks.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';

import { WebsocketConnector } from '../../src/dim/index.js';
import type { DimKey } from '../../src/dim/index.js';
import { PeerProcess } from './fixtures/peer-process.js';
import { digest } from './fixtures/peer-data.js';

const CHUNK = 1024;
/** Protocol header bytes in a put request with a UUID id (8 + 40 padded to 8). */
const PUT_HEADER = 8 + 40;
const TIMEOUT = { timeout: 60_000 };

describe('C11: chunked DIM transport (1 KiB chunks, two processes)', { timeout: 300_000 }, () => {
  let peer: PeerProcess;
  let c: WebsocketConnector;

  before(async () => {
    peer = await PeerProcess.start({ DIM_CHUNK_SIZE: String(CHUNK) });
    const address = (await peer.ok({ op: 'address' })).address ?? '';
    // The peer's server answers at this port: puts go to it over the socket.
    c = new WebsocketConnector({ port: Number(address.split(':')[1]), chunkSize: CHUNK });
  });

  after(async () => {
    await c?.close();
    await peer?.stop();
  });

  it('puts, gets and evicts 3 chunks + 17 bytes byte for byte', TIMEOUT, async () => {
    const data = randomBytes(3 * CHUNK + 17);
    const key = await c.put(data);
    assert.equal(key.size, data.byteLength);

    assert.deepEqual(Buffer.from((await c.get(key)) ?? []), data);
    assert.equal((await peer.ok({ op: 'get', key })).digest, digest(data));

    await c.evict(key);
    assert.equal(await c.get(key), null);
    assert.equal(await c.exists(key), false);
  });

  const sizes = [
    ['0 bytes', 0],
    ['exactly one chunk', CHUNK - PUT_HEADER],
    ['one byte over one chunk', CHUNK - PUT_HEADER + 1],
    ['n chunks', 37 * CHUNK + 5],
  ] as const;
  for (const [label, size] of sizes) {
    it(`round-trips ${label} (${size} bytes)`, TIMEOUT, async () => {
      const data = randomBytes(size);
      const key = await c.put(data);
      const got = await c.get(key);
      assert.ok(got !== null);
      assert.equal(got.byteLength, size);
      assert.deepEqual(Buffer.from(got), data);
    });
  }

  it('keeps two large values sent at once over one connection apart', TIMEOUT, async () => {
    const one = randomBytes(300 * CHUNK + 1);
    const two = randomBytes(250 * CHUNK + 2);
    const [k1, k2] = (await Promise.all([c.put(one), c.put(two)])) as [DimKey, DimKey];

    const [g1, g2] = await Promise.all([c.get(k1), c.get(k2)]);
    assert.equal(digest(g1), digest(one));
    assert.equal(digest(g2), digest(two));
    assert.equal((await peer.ok({ op: 'get', key: k1 })).digest, digest(one));
  });
});
