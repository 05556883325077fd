import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import type { AddressInfo, Server, Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';

import { WebSocketServer } from 'ws';

import { WebsocketConnector } from '../../src/dim/index.js';
import type { DimKey } from '../../src/dim/index.js';
import { serverCount } from '../../src/dim/server-registry.js';
import { startWebsocketServer } from '../../src/dim/websocket-server.js';
import {
  DimConnectorError,
  DimPeerUnavailableError,
  DimTimeoutError,
  InvalidArgumentError,
} from '../../src/errors.js';
import { describeConnectorContract } from '../helpers/connector-contract.js';
import { PeerProcess } from './fixtures/peer-process.js';

const TIMEOUT = { timeout: 60_000 };

/** A key for `id` at a given port of 127.0.0.1. */
function keyAt(port: number, size = 1): DimKey {
  return {
    kind: 'websocket',
    id: '6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b',
    size,
    host: '127.0.0.1',
    port,
  };
}

async function listen(server: Server | WebSocketServer): Promise<number> {
  if (server instanceof WebSocketServer) {
    await new Promise<void>((resolve) => server.once('listening', resolve));
    return (server.address() as AddressInfo).port;
  }
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

describeConnectorContract('WebsocketConnector (server in this process)', {
  make: () => new WebsocketConnector({ address: '127.0.0.1' }),
  largeBytes: 16 * 1024 * 1024,
});

let remote: PeerProcess | undefined;
describeConnectorContract('WebsocketConnector (server of another process)', {
  make: async () => {
    remote = await PeerProcess.start();
    const address = (await remote.ok({ op: 'address' })).address ?? '';
    const port = Number(address.split(':')[1]);
    // A server already answers at this port, so puts go to it over the network.
    return new WebsocketConnector({ address: '127.0.0.1', port, chunkSize: 256 * 1024 });
  },
  teardown: () => remote?.stop(),
  largeBytes: 16 * 1024 * 1024,
});

describe('WebsocketConnector', { timeout: 300_000 }, () => {
  describe('constructor()', () => {
    it('starts no server until the first put', TIMEOUT, async () => {
      const before = serverCount();
      const c = new WebsocketConnector();
      const rebuilt = WebsocketConnector.fromConfig(c.config().options);
      assert.equal(serverCount(), before);

      const key = await c.put(Buffer.from('x'));
      assert.equal(serverCount(), before + 1);
      assert.equal(await rebuilt.exists(key), true);
      assert.equal(serverCount(), before + 1);
      await rebuilt.close();
      await c.close();
      assert.equal(serverCount(), before);
    });

    it('rejects bad options naming the option', () => {
      const bad: [string, object][] = [
        ['port', { port: -1 }],
        ['port', { port: 1.5 }],
        ['timeoutMs', { timeoutMs: 0 }],
        ['maxMessageSize', { maxMessageSize: -5 }],
        ['chunkSize', { chunkSize: 0 }],
        ['chunkSize', { chunkSize: 64 * 1024 * 1024 }],
        ['address', { address: '0.0.0.0' }],
        ['interface', { interface: 'no-such-nic0' }],
      ];
      for (const [argument, options] of bad) {
        assert.throws(
          () => new WebsocketConnector(options),
          (error: unknown) => error instanceof InvalidArgumentError && error.argument === argument,
          argument,
        );
      }
    });

    it('listens on the IPv4 address of a named interface', TIMEOUT, async () => {
      const c = new WebsocketConnector({ interface: 'lo' });
      try {
        assert.match(await c.serverAddress(), /^127\.0\.0\.1:\d+$/);
        assert.equal(c.config().options['interface'], 'lo');
      } finally {
        await c.close();
      }
    });
  });

  describe('server sharing', () => {
    it('shares one server per thread and stops it at the last close', TIMEOUT, async () => {
      const one = new WebsocketConnector();
      const two = new WebsocketConnector();
      const k1 = await one.put(Buffer.from('one'));
      const k2 = await two.put(Buffer.from('two'));
      assert.equal(k1.port, k2.port);

      await one.close();
      assert.deepEqual(Buffer.from((await two.get(k1)) ?? []), Buffer.from('one'));
      await two.close();

      const probe = new WebsocketConnector({ timeoutMs: 2_000 });
      try {
        await assert.rejects(probe.get(k1), DimPeerUnavailableError);
      } finally {
        await probe.close();
      }
    });

    it('reuses another process server found answering at a fixed port', TIMEOUT, async () => {
      const peer = await PeerProcess.start();
      try {
        const address = (await peer.ok({ op: 'address' })).address ?? '';
        const port = Number(address.split(':')[1]);
        const attached = new WebsocketConnector({ port });
        const key = await attached.put(Buffer.from('kept by the peer'));
        assert.equal(key.port, port);
        assert.equal((await peer.ok({ op: 'get', key })).size, 16);
        await attached.close();
        assert.equal((await peer.ok({ op: 'exists', key })).exists, true);
      } finally {
        await peer.stop();
      }
    });
  });

  describe('errors', () => {
    it('names the address of a peer that refuses connections', TIMEOUT, async () => {
      const server = createServer();
      const port = await listen(server);
      await new Promise<void>((resolve) => server.close(() => resolve()));

      const c = new WebsocketConnector({ timeoutMs: 2_000 });
      try {
        await assert.rejects(c.get(keyAt(port)), (error: unknown) => {
          assert.ok(error instanceof DimPeerUnavailableError);
          assert.equal(error.address, `127.0.0.1:${port}`);
          assert.match(error.message, new RegExp(`127\\.0\\.0\\.1:${port}`));
          return true;
        });
      } finally {
        await c.close();
      }
    });

    it('times out on a peer that accepts but never answers', TIMEOUT, async () => {
      const silent = new WebSocketServer({ host: '127.0.0.1', port: 0 });
      silent.on('connection', (socket) => socket.on('error', () => undefined));
      const port = await listen(silent);

      const c = new WebsocketConnector({ timeoutMs: 300 });
      try {
        await assert.rejects(c.get(keyAt(port)), (error: unknown) => {
          assert.ok(error instanceof DimTimeoutError, String(error));
          assert.equal(error.address, `127.0.0.1:${port}`);
          assert.equal(error.timeoutMs, 300);
          return true;
        });
      } finally {
        await c.close();
        for (const client of silent.clients) client.terminate();
        await new Promise<void>((resolve) => silent.close(() => resolve()));
      }
    });

    it('times out on a peer that never completes the handshake', TIMEOUT, async () => {
      const sockets: Socket[] = [];
      const mute = createServer((socket) => sockets.push(socket));
      const port = await listen(mute);

      const c = new WebsocketConnector({ timeoutMs: 300 });
      try {
        await assert.rejects(c.exists(keyAt(port)), DimTimeoutError);
      } finally {
        await c.close();
        for (const socket of sockets) socket.destroy();
        await new Promise<void>((resolve) => mute.close(() => resolve()));
      }
    });

    it('refuses an answer above maxMessageSize and keeps the connection', TIMEOUT, async () => {
      // A server outside the registry, so the connector goes over the network.
      const objects = new Map<string, Uint8Array>();
      const server = await startWebsocketServer(
        { host: '127.0.0.1', port: 0, maxMessageSize: 1 << 20, chunkSize: 256 },
        objects,
      );
      const small = new WebsocketConnector({ maxMessageSize: 1024, chunkSize: 256 });
      try {
        const big = { ...keyAt(server.port, 4096), id: randomUUID() };
        const tiny = { ...keyAt(server.port, 4), id: randomUUID() };
        objects.set(big.id, Buffer.alloc(4096, 1));
        objects.set(tiny.id, Buffer.from('tiny'));

        await assert.rejects(small.get(big), (error: unknown) => {
          assert.ok(error instanceof DimConnectorError);
          assert.match(error.message, /maxMessageSize/);
          return true;
        });
        assert.deepEqual(Buffer.from((await small.get(tiny)) ?? []), Buffer.from('tiny'));
      } finally {
        await small.close();
        await server.close();
      }
    });

    it('reconnects after the peer dropped the connection', TIMEOUT, async () => {
      const objects = new Map<string, Uint8Array>();
      const settings = { host: '127.0.0.1', port: 0, maxMessageSize: 1 << 20, chunkSize: 256 };
      let server = await startWebsocketServer(settings, objects);
      const c = new WebsocketConnector({ timeoutMs: 5_000 });
      try {
        const key = { ...keyAt(server.port, 3), id: randomUUID() };
        objects.set(key.id, Buffer.from('abc'));
        assert.equal(await c.exists(key), true);

        await server.close(); // drops the connection
        await assert.rejects(c.exists(key), DimPeerUnavailableError);
        server = await startWebsocketServer({ ...settings, port: key.port }, objects);
        assert.deepEqual(Buffer.from((await c.get(key)) ?? []), Buffer.from('abc'));
      } finally {
        await c.close();
        await server.close();
      }
    });

    it('rejects keys of other connectors', TIMEOUT, async () => {
      const c = new WebsocketConnector();
      try {
        const foreign = { id: 'abc' } as unknown as DimKey;
        await assert.rejects(c.get(foreign), InvalidArgumentError);
        await assert.rejects(c.get({ ...keyAt(1), kind: 'ucx' }), InvalidArgumentError);
      } finally {
        await c.close();
      }
    });

    it('refuses to work after close()', TIMEOUT, async () => {
      const c = new WebsocketConnector();
      await c.close();
      await assert.rejects(c.put(Buffer.from('late')), DimConnectorError);
      await assert.rejects(c.get(keyAt(1)), DimConnectorError);
    });
  });
});
