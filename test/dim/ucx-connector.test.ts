/**
 * UCXConnector in one process: the connector contract, and what is
 * specific to UCX (lazy server start, typed errors naming addresses,
 * oversized and malformed messages failing only their own request).
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';

import { ucxSkip } from './ucx-fixtures/available.js';
import { UCXConnector, UCXStore } from '../../src/dim/index.js';
import type { DimKey } from '../../src/dim/index.js';
import { UCX_OPS, callUcx, loadUcxAddon } from '../../src/dim/ucx-binding.js';
import type { UcxNativeError } from '../../src/dim/ucx-binding.js';
import { ucxRequest } from '../../src/dim/ucx-peer.js';
import {
  DimConnectorError,
  DimFrameError,
  DimPeerUnavailableError,
  InvalidArgumentError,
} from '../../src/errors.js';
import { describeConnectorContract } from '../helpers/connector-contract.js';
import { freePort } from '../helpers/redis-server.js';

const CHUNK = 64 * 1024;
const TIMEOUT = { timeout: 60_000 };

function keyAt(port: number, size = 0): DimKey {
  return { kind: 'ucx', id: randomUUID(), size, host: '127.0.0.1', port };
}

function addressOf(connector: UCXConnector): Promise<{ host: string; port: number }> {
  return connector.serverAddress().then((address) => {
    const [host = '', port = ''] = address.split(':');
    return { host, port: Number(port) };
  });
}

if (ucxSkip === false) {
  describeConnectorContract('UCXConnector', {
    make: () => new UCXConnector({ chunkSize: CHUNK, timeoutMs: 10_000 }),
  });
} else {
  describe('UCXConnector (connector contract)', { skip: ucxSkip }, () => {
    it('needs the UCX addon', () => undefined);
  });
}

describe('UCXConnector', { skip: ucxSkip, timeout: 300_000 }, () => {
  const opened: UCXConnector[] = [];
  const open = (options: ConstructorParameters<typeof UCXConnector>[0] = {}): UCXConnector => {
    const connector = new UCXConnector({ chunkSize: CHUNK, timeoutMs: 10_000, ...options });
    opened.push(connector);
    return connector;
  };

  after(async () => {
    await Promise.all(opened.map((c) => c.close()));
  });

  describe('constructor', () => {
    it('starts no server: nothing answers at its port until a put', TIMEOUT, async () => {
      const port = await freePort();
      const idle = open({ port });
      const client = open();

      await assert.rejects(client.exists(keyAt(port)), DimPeerUnavailableError);
      await idle.put(new Uint8Array([1]));
      assert.equal(await client.exists(keyAt(port)), false);
    });

    it('rejects bad options with InvalidArgumentError', () => {
      assert.throws(() => new UCXConnector({ chunkSize: 100 }), InvalidArgumentError);
      assert.throws(() => new UCXConnector({ port: 70_000 }), InvalidArgumentError);
      assert.throws(() => new UCXConnector({ address: '0.0.0.0' }), InvalidArgumentError);
    });
  });

  describe('get()', () => {
    it('fails with DimPeerUnavailableError naming a gone peer', TIMEOUT, async () => {
      const port = await freePort();
      const client = open();

      await assert.rejects(client.get(keyAt(port, 10)), (error: unknown) => {
        assert.ok(error instanceof DimPeerUnavailableError, String(error));
        assert.equal(error.address, `127.0.0.1:${port}`);
        assert.equal(error.connectorKind, 'ucx');
        assert.match(error.message, new RegExp(`127\\.0\\.0\\.1:${port}`));
        return true;
      });
    });

    it('moves 0 bytes, one chunk and many chunks byte for byte', TIMEOUT, async () => {
      const owner = open();
      const client = open({ chunkSize: 4096 });
      for (const size of [0, 1, CHUNK - 1, CHUNK, 5 * CHUNK + 3]) {
        const data = Buffer.alloc(size);
        for (let i = 0; i < size; i++) data[i] = (i * 31 + size) & 0xff;
        const key = await owner.put(data);

        const got = await client.get(key);
        assert.ok(got !== null);
        assert.ok(Buffer.from(got).equals(data), `${size} bytes differ`);
      }
    });

    it('keeps concurrent answers of one peer apart', TIMEOUT, async () => {
      const owner = open();
      const client = open();
      const items = [1, 2, 3, 4, 5].map((n) => Buffer.alloc(3 * CHUNK + n, n));
      const keys = await owner.putBatch(items);

      const got = await Promise.all(keys.map((k) => client.get(k)));
      got.forEach((bytes, i) => assert.ok(bytes !== null && items[i]?.equals(bytes)));
    });

    it('refuses an answer above maxMessageSize; the next request works', TIMEOUT, async () => {
      const owner = open();
      const small = open({ maxMessageSize: 100_000 });
      const key = await owner.put(new Uint8Array(200_000));

      await assert.rejects(small.get(key), DimFrameError);
      assert.equal(await small.exists(key), true);
      const tiny = await owner.put(new Uint8Array([7, 7]));
      assert.deepEqual(await small.get(tiny), new Uint8Array([7, 7]));
    });
  });

  describe('put()', () => {
    it('refuses an object above maxMessageSize', TIMEOUT, async () => {
      const owner = open({ maxMessageSize: 1000 });
      await assert.rejects(owner.put(new Uint8Array(1001)), DimConnectorError);
      await owner.put(new Uint8Array(1000));
    });

    it('a fixed port shares one server between connectors of a thread', TIMEOUT, async () => {
      const port = await freePort();
      const first = open({ port });
      const second = open({ port });

      const key = await first.put(new Uint8Array([4]));
      const other = await second.put(new Uint8Array([5]));
      assert.equal(key.port, port);
      assert.equal(other.port, port);
      assert.deepEqual(await second.get(key), new Uint8Array([4]));
    });
  });

  // Connectors of one thread share the server of an address (port 0
  // included), so tests that need their own server take a fixed port.
  describe('the server', () => {
    it('refuses an oversized remote put; only that request fails', TIMEOUT, async () => {
      const owner = open({ port: await freePort(), maxMessageSize: 10_000 });
      await owner.put(new Uint8Array(1));
      const { host, port } = await addressOf(owner);
      const settings = { timeoutMs: 10_000, maxMessageSize: 1 << 20, chunkSize: 4096 };
      const addon = loadUcxAddon();

      const id = randomUUID();
      const big = { host, port, op: 'put' as const, id, data: new Uint8Array(20_000) };
      await assert.rejects(ucxRequest(addon, big, settings), DimFrameError);
      const exists = { host, port, op: 'exists' as const, id: big.id };
      assert.equal(await ucxRequest(addon, exists, settings), false);
      const ping = { host, port, op: 'ping' as const, id: '' };
      assert.equal(await ucxRequest(addon, ping, settings), undefined);
    });

    it('answers a malformed request with an error and keeps serving', TIMEOUT, async () => {
      const owner = open();
      const key = await owner.put(new Uint8Array([1, 2, 3]));
      const addon = loadUcxAddon();

      // A put whose chunk is shorter than its header says.
      const header = Buffer.alloc(48 + 36);
      header.writeUInt32LE(0x58554350, 0);
      header[4] = 1;
      header[5] = UCX_OPS.put;
      header[7] = 36;
      header.writeBigUInt64LE(100n, 16); // total size
      header.writeBigUInt64LE(4096n, 24); // chunk size
      header.writeUInt32LE(0, 32); // chunk index
      header.writeUInt32LE(1, 36); // chunk count
      const id = randomUUID();
      header.write(id, 48, 'latin1');
      await assert.rejects(
        callUcx((done) => addon.requestRaw(key.host, key.port, header, new Uint8Array(50), done)),
        (error: UcxNativeError) => {
          assert.equal(error.code, 'ERR_UCX_REMOTE');
          assert.match(error.message, /wrong length/);
          return true;
        },
      );

      // Garbage too short to name a request gets no answer; the server goes on.
      let answered = false;
      const garbage = addon.requestRaw(key.host, key.port, Buffer.from('junk'), null, () => {
        answered = true;
      });
      const client = open();
      assert.equal(await client.exists({ ...key, id }), false);
      assert.deepEqual(await client.get(key), new Uint8Array([1, 2, 3]));
      addon.cancel(garbage);
      assert.equal(answered, false);
    });

    it('stops with the last connector; its objects are gone', TIMEOUT, async () => {
      const owner = new UCXConnector({ port: await freePort(), chunkSize: CHUNK });
      const key = await owner.put(new Uint8Array([9]));
      const client = open();
      assert.deepEqual(await client.get(key), new Uint8Array([9]));

      await owner.close();
      await owner.close();
      await assert.rejects(client.get(key), DimPeerUnavailableError);
      await assert.rejects(owner.put(new Uint8Array(1)), DimConnectorError);
    });
  });

  describe('config()', () => {
    it('rebuilds a connector that starts no server and reads the same keys', TIMEOUT, async () => {
      const port = await freePort();
      const owner = open({ port: 0, maxMessageSize: 5000 });
      const key = await owner.put(new Uint8Array([3, 1, 4]));
      const config = owner.config();
      assert.deepEqual(config.options, {
        port: 0,
        timeoutMs: 10_000,
        maxMessageSize: 5000,
        chunkSize: CHUNK,
      });

      const rebuilt = UCXConnector.fromConfig({ ...config.options, port });
      opened.push(rebuilt);
      assert.deepEqual(await rebuilt.get(key), new Uint8Array([3, 1, 4]));
      await assert.rejects(rebuilt.exists(keyAt(port)), DimPeerUnavailableError);
    });
  });
});

describe('UCXStore', { skip: ucxSkip, timeout: 120_000 }, () => {
  let store: UCXStore;

  before(() => {
    store = new UCXStore('ucx-store-test', { chunkSize: CHUNK, cacheSize: 0 });
  });

  after(async () => {
    await store?.close();
  });

  it('proxies a value that resolves from the server', TIMEOUT, async () => {
    const value = { name: 'ucx', list: [1, 2, 3], bytes: new Uint8Array(3 * CHUNK) };
    const key = await store.put(value);
    assert.equal(key.kind, 'ucx');
    assert.deepEqual(await store.get(key), value);
    assert.equal(store.connector instanceof UCXConnector, true);
  });
});
