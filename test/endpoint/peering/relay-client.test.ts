import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { after, afterEach, describe, it } from 'node:test';

import { RelayClient } from '../../../src/endpoint/peering/relay-client.js';
import { RelayServer } from '../../../src/endpoint/peering/relay-server.js';
import type { SignalMessage } from '../../../src/endpoint/peering/relay-protocol.js';
import {
  InvalidArgumentError,
  RelayConnectionError,
  RelayRegistrationError,
} from '../../../src/errors.js';
import { sleep, waitUntil } from './helpers.js';

const TIMEOUT = { timeout: 20_000 };
const FAST = { initialDelayMs: 20, maxDelayMs: 100, maxAttempts: 50 };

const clients: RelayClient[] = [];
const servers: RelayServer[] = [];

function client(address: string, id: string): RelayClient {
  const made = new RelayClient({ address, id, backoff: FAST });
  clients.push(made);
  return made;
}

async function relay(port = 0): Promise<RelayServer> {
  const server = await RelayServer.start({ port, pingIntervalMs: 0 });
  servers.push(server);
  return server;
}

afterEach(async () => {
  for (const made of clients.splice(0)) await made.close();
});

after(async () => {
  for (const server of servers) await server.close();
});

describe('RelayClient', () => {
  it('validates the address', () => {
    assert.throws(
      () => new RelayClient({ address: 'http://127.0.0.1:1', id: 'x' }),
      InvalidArgumentError,
    );
  });

  it('exchanges signals between two clients through a relay', TIMEOUT, async () => {
    const server = await relay();
    const a = client(server.url, 'client-a');
    const b = client(server.url, 'client-b');
    await Promise.all([a.connect(), b.connect()]);

    const received = new Promise<SignalMessage>((resolve) => {
      b.once('message', (message) => resolve(message as SignalMessage));
    });
    a.send({ type: 'answer', to: 'client-b', connection: 'x', sdp: 'v=0' });
    const message = await received;
    assert.equal(message.from, 'client-a');
    assert.equal(message.sdp, 'v=0');
  });

  it('refuses to send while not connected', () => {
    const idle = client('ws://127.0.0.1:1', 'idle');
    assert.throws(
      () => idle.send({ type: 'offer', to: 'x', connection: 'c', sdp: '' }),
      RelayConnectionError,
    );
  });

  it('treats an HTTP 4xx on the upgrade as final', TIMEOUT, async () => {
    let requests = 0;
    const http = createServer((_req, res) => res.writeHead(404).end());
    http.on('upgrade', (_req, socket) => {
      requests += 1;
      socket.end('HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n');
    });
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    const port = (http.address() as { port: number }).port;

    try {
      const refused = client(`ws://127.0.0.1:${port}`, 'http-403');
      await assert.rejects(
        refused.connect(),
        (error: unknown) => error instanceof RelayRegistrationError && error.code === 403,
      );
      await sleep(150);
      assert.equal(requests, 1);
    } finally {
      await new Promise((resolve) => http.close(resolve));
    }
  });

  it('a duplicate id closes the older client with 4004; neither loops', TIMEOUT, async () => {
    const server = await relay();
    const older = client(server.url, 'same-id');
    await older.connect();
    const failed = new Promise<Error | undefined>((resolve) => {
      older.on('state', (state, error) => {
        if (state === 'failed') resolve(error);
      });
    });

    const newer = client(server.url, 'same-id');
    await newer.connect();
    const error = await failed;
    assert.ok(error instanceof RelayRegistrationError);
    assert.equal(error.code, 4004);

    await sleep(500);
    assert.equal(server.stats().registrations, 2, 'no re-registration loop');
    assert.equal(newer.state, 'connected');
    assert.equal(older.state, 'failed');
    await assert.rejects(older.connect(), RelayRegistrationError);
    assert.equal(server.stats().registrations, 2);
  });

  it('reconnects after the relay restarts on the same port', TIMEOUT, async () => {
    const first = await relay();
    const port = first.address.port;
    const survivor = client(first.url, 'survivor');
    await survivor.connect();

    await first.close();
    await waitUntil(() => survivor.state !== 'connected', 'the client notices');
    await sleep(100);

    const second = await relay(port);
    await waitUntil(() => survivor.state === 'connected', 'the client re-registers');
    assert.equal(second.stats().registrations, 1);
    assert.equal(second.stats().registered, 1);
  });
});
