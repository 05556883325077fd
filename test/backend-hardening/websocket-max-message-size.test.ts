/**
 * WebsocketStore's maxMessageSize on the put side: an object above it is
 * refused when it is put (as UCX does), not accepted by this process's
 * server and then refused later when any client tries to fetch it.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';

import { WebsocketStore } from '../../src/dim/index.js';
import { DimConnectorError } from '../../src/errors.js';

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
});
