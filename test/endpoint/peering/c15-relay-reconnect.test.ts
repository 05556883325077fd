/**
 * C15: the relay client retries transient errors with bounded backoff and
 * stops on fatal ones. Each case runs against a real `ws` server on
 * 127.0.0.1 written here to misbehave in one precise way.
 */
import assert from 'node:assert/strict';
import type { LookupFunction } from 'node:net';
import { after, afterEach, beforeEach, describe, it } from 'node:test';

import { WebSocketServer, type WebSocket } from 'ws';

import { RelayClient } from '../../../src/endpoint/peering/relay-client.js';
import {
  InvalidArgumentError,
  RelayConnectionError,
  RelayRegistrationError,
} from '../../../src/errors.js';
import { sleep, waitUntil } from './helpers.js';

const TIMEOUT = { timeout: 20_000 };
const FAST = { initialDelayMs: 10, maxDelayMs: 50, maxAttempts: 5 };

/** A scripted relay: `onFrame` decides what happens to each text frame. */
interface FakeRelay {
  url: string;
  port: number;
  connections: number;
  frames: string[];
  close(): Promise<void>;
}

type FrameHandler = (socket: WebSocket, frame: string, relay: FakeRelay) => void;

const relays: FakeRelay[] = [];

async function fakeRelay(onFrame: FrameHandler): Promise<FakeRelay> {
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise((resolve) => server.once('listening', resolve));
  const port = (server.address() as { port: number }).port;

  const relay: FakeRelay = {
    url: `ws://127.0.0.1:${port}`,
    port,
    connections: 0,
    frames: [],
    async close() {
      for (const socket of server.clients) socket.terminate();
      await new Promise((resolve) => server.close(resolve));
    },
  };
  server.on('connection', (socket) => {
    relay.connections += 1;
    socket.on('error', () => undefined);
    socket.on('message', (data) => {
      relay.frames.push(String(data));
      onFrame(socket, String(data), relay);
    });
  });
  relays.push(relay);
  return relay;
}

/** Accepts registrations like a real relay; `maxMessageBytes` is advertised. */
function registered(socket: WebSocket, frame: string, maxMessageBytes = 0): boolean {
  const message = JSON.parse(frame) as { type: string; id: string };
  if (message.type !== 'register') return false;
  socket.send(JSON.stringify({ type: 'registered', id: message.id, maxMessageBytes }));
  return true;
}

let warnings: Error[] = [];
const onWarning = (warning: Error) => {
  if ((warning as { code?: string }).code === 'PROXYSTORE_RELAY_RETRY') {
    warnings.push(warning);
  }
};
const clients: RelayClient[] = [];

function client(options: Partial<ConstructorParameters<typeof RelayClient>[0]>) {
  const made = new RelayClient({
    address: 'ws://127.0.0.1:1',
    id: 'c15',
    backoff: FAST,
    ...options,
  });
  clients.push(made);
  return made;
}

beforeEach(() => {
  warnings = [];
  process.on('warning', onWarning);
});

afterEach(async () => {
  process.off('warning', onWarning);
  for (const made of clients.splice(0)) await made.close();
});

after(async () => {
  for (const relay of relays) await relay.close();
});

describe('C15 (a): fatal closes after registration', () => {
  for (const [code, reason] of [
    [4001, 'Unauthorized: bad token.'],
    [4002, 'Forbidden: id owned by another user.'],
  ] as const) {
    it(`rejects on ${code} with RelayRegistrationError, no reconnect`, TIMEOUT, async () => {
      const relay = await fakeRelay((socket) => socket.close(code, reason));
      const relayClient = client({ address: relay.url });

      const error = await relayClient.connect().then(
        () => assert.fail('connect() should reject'),
        (failure: unknown) => failure,
      );
      assert.ok(error instanceof RelayRegistrationError);
      assert.equal(error.code, code);
      assert.equal(error.reason, reason);
      assert.match(error.message, new RegExp(String(code)));
      assert.equal(relayClient.state, 'failed');

      await sleep(200);
      assert.equal(relay.connections, 1, 'no second connection');
      assert.equal(warnings.length, 0, 'no retry was announced');

      await assert.rejects(relayClient.connect(), RelayRegistrationError);
      assert.equal(relay.connections, 1, 'connect() again does not retry either');
    });
  }
});

describe('C15 (b): address lookup failures', () => {
  /** A lookup that fails with `codes` in turn, then resolves to 127.0.0.1. */
  function flakyLookup(codes: string[]): { lookup: LookupFunction; calls: () => number } {
    let calls = 0;
    const lookup: LookupFunction = (hostname, options, callback) => {
      const code = codes[calls];
      calls += 1;
      if (code !== undefined) {
        const error = Object.assign(new Error(`getaddrinfo ${code} ${hostname}`), {
          code,
          syscall: 'getaddrinfo',
          hostname,
        });
        setImmediate(() => callback(error, '', 0));
        return;
      }
      if (options.all === true) {
        setImmediate(() => callback(null, [{ address: '127.0.0.1', family: 4 }]));
      } else {
        setImmediate(() => callback(null, '127.0.0.1', 4));
      }
    };
    return { lookup, calls: () => calls };
  }

  it('retries EAI_AGAIN and ENOTFOUND with backoff, then connects', TIMEOUT, async () => {
    const relay = await fakeRelay((socket, frame) => registered(socket, frame));
    const { lookup, calls } = flakyLookup(['EAI_AGAIN', 'ENOTFOUND']);
    const relayClient = client({ address: `ws://relay.invalid:${relay.port}`, lookup });

    await relayClient.connect();

    assert.equal(relayClient.state, 'connected');
    assert.equal(calls(), 3);
    assert.equal(relay.connections, 1);
    await waitUntil(() => warnings.length === 2, 'two retry warnings arrive');
    assert.match(warnings[0]?.message ?? '', /EAI_AGAIN.*retry 1\/4/);
    assert.match(warnings[1]?.message ?? '', /ENOTFOUND.*retry 2\/4/);
  });

  it('gives up after maxAttempts with RelayConnectionError', TIMEOUT, async () => {
    const { lookup, calls } = flakyLookup(Array(10).fill('EAI_AGAIN') as string[]);
    const relayClient = client({
      address: 'ws://relay.invalid:9',
      lookup,
      backoff: { ...FAST, maxAttempts: 3 },
    });

    const error = await relayClient.connect().then(
      () => assert.fail('connect() should reject'),
      (failure: unknown) => failure,
    );
    assert.ok(error instanceof RelayConnectionError);
    assert.equal(error.attempts, 3);
    assert.equal(calls(), 3);
    assert.equal(relayClient.state, 'disconnected');
  });

  it('stops retrying when closed', TIMEOUT, async () => {
    const { lookup, calls } = flakyLookup(Array(100).fill('EAI_AGAIN') as string[]);
    const relayClient = client({
      address: 'ws://relay.invalid:9',
      lookup,
      backoff: { initialDelayMs: 20, maxDelayMs: 20, maxAttempts: 100 },
    });

    const connecting = relayClient.connect();
    await waitUntil(() => calls() >= 2, 'a retry happened');
    await relayClient.close();
    await assert.rejects(connecting, RelayConnectionError);

    const seen = calls();
    await sleep(200);
    assert.equal(calls(), seen, 'no attempt after close()');
  });

  it('retries a refused connection (ECONNREFUSED) a bounded time', TIMEOUT, async () => {
    const relay = await fakeRelay(() => undefined);
    const port = relay.port;
    await relay.close();

    const relayClient = client({
      address: `ws://127.0.0.1:${port}`,
      backoff: { ...FAST, maxAttempts: 3 },
    });
    const error = await relayClient.connect().then(
      () => assert.fail('connect() should reject'),
      (failure: unknown) => failure,
    );
    assert.ok(error instanceof RelayConnectionError);
    assert.match(error.message, /ECONNREFUSED/);
    await waitUntil(() => warnings.length === 2, 'two retry warnings arrive');
  });
});

describe('C15 (c): message too big (1009)', () => {
  it('fails for good when the registration itself is too big', TIMEOUT, async () => {
    const relay = await fakeRelay((socket) => socket.close(1009, 'Message too big'));
    const relayClient = client({ address: relay.url });

    await assert.rejects(
      relayClient.connect(),
      (error: unknown) => error instanceof RelayRegistrationError && error.code === 1009,
    );
    await sleep(200);
    assert.equal(relay.connections, 1);
    assert.equal(relay.frames.length, 1, 'the registration was sent once');
  });

  it('reconnects once after a 1009 but never resends the frame', TIMEOUT, async () => {
    const relay = await fakeRelay((socket, frame) => {
      if (registered(socket, frame)) return;
      if (frame.length > 1000) socket.close(1009, 'Message too big');
    });
    const relayClient = client({ address: relay.url });
    await relayClient.connect();

    relayClient.send({ type: 'offer', to: 'peer', connection: 'c', sdp: 'x'.repeat(5000) });
    await waitUntil(
      () => relay.connections === 2 && relayClient.state === 'connected',
      'the client reconnected',
    );

    await sleep(300);
    const big = relay.frames.filter((frame) => frame.length > 1000);
    assert.equal(big.length, 1, 'the oversized frame was sent exactly once');
    assert.equal(relay.connections, 2, 'one reconnect, no loop');
  });

  it('refuses locally a frame above the size the relay advertised', TIMEOUT, async () => {
    const relay = await fakeRelay((socket, frame) => registered(socket, frame, 2048));
    const relayClient = client({ address: relay.url });
    await relayClient.connect();

    assert.throws(
      () => {
        const sdp = 'x'.repeat(4096);
        relayClient.send({ type: 'offer', to: 'p', connection: 'c', sdp });
      },
      InvalidArgumentError,
    );
    relayClient.send({ type: 'offer', to: 'p', connection: 'c', sdp: 'small' });
    await waitUntil(() => relay.frames.length === 2, 'the small frame arrives');
    assert.ok(relay.frames.every((frame) => frame.length < 2048));
  });
});
