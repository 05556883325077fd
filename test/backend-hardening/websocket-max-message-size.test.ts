/**
 * WebsocketStore's maxMessageSize is a limit on objects: an object above it
 * is refused when it is put (as UCX does), not accepted by this process's
 * server and then refused when a client fetches it; an object of exactly
 * the limit travels between processes (the header does not count).
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';

import { WebsocketStore } from '../../src/dim/index.js';
import type { DimKey } from '../../src/dim/index.js';
import { DimConnectorError } from '../../src/errors.js';
import { PeerProcess } from '../dim/fixtures/peer-process.js';

const LIMIT = 1024 * 1024;

describe('WebsocketStore maxMessageSize on put', { timeout: 60_000 }, () => {
  const store = new WebsocketStore('ws-max-size', {
    address: '127.0.0.1',
    cacheSize: 0,
    maxMessageSize: LIMIT,
  });

  after(async () => {
    await store.close();
  });

  it('stores an object just under the limit', { timeout: 30_000 }, async () => {
    const data = Buffer.alloc(LIMIT - 64, 7);
    const key = await store.connector.put(data);
    assert.deepEqual(Buffer.from((await store.connector.get(key)) ?? []), data);
  });

  it('refuses an object above the limit when it is put', { timeout: 30_000 }, async () => {
    await assert.rejects(store.connector.put(Buffer.alloc(LIMIT + 1)), (error: unknown) => {
      assert.ok(error instanceof DimConnectorError);
      assert.match(error.message, /maxMessageSize/);
      return true;
    });
    await assert.rejects(store.put(Buffer.alloc(2 * LIMIT)), DimConnectorError);
  });

  describe('with a peer process whose server has the same limit', () => {
    let peer: PeerProcess | undefined;

    after(async () => {
      await peer?.kill();
    });

    it('an object of exactly the limit is fetched from the peer', { timeout: 30_000 }, async () => {
      peer = await PeerProcess.start({ DIM_MAX_MESSAGE_SIZE: String(LIMIT) });
      for (const size of [LIMIT - 1, LIMIT]) {
        const reply = await peer.ok({ op: 'put', size, seed: 3 });
        const bytes = await store.connector.get(reply.key as DimKey);
        assert.equal(bytes?.byteLength, size);
      }
    });

    it('the peer refuses a put above its limit', { timeout: 30_000 }, async () => {
      assert.ok(peer !== undefined);
      const address = (await peer.ok({ op: 'address' })).address ?? '';
      const port = Number(address.split(':')[1]);
      // A server already answers at this port, so puts go to it over the network.
      const client = new WebsocketStore('ws-max-size-client', {
        address: '127.0.0.1',
        port,
        cacheSize: 0,
        maxMessageSize: 2 * LIMIT,
      });
      try {
        await assert.rejects(client.connector.put(Buffer.alloc(LIMIT + 1)), DimConnectorError);
        const key = await client.connector.put(Buffer.alloc(LIMIT, 1));
        assert.equal((await client.connector.get(key))?.byteLength, LIMIT);
      } finally {
        await client.close();
      }
    });
  });
});
