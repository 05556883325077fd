/**
 * PeerConnection on its own: two connections in this process, signalling
 * handed across directly (no relay), real WebRTC over 127.0.0.1.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { afterEach, describe, it } from 'node:test';

import { loadDataChannel } from '../../../src/endpoint/peering/optional-deps.js';
import {
  PeerConnection,
  type LocalSignal,
  type PeerConnectionOptions,
} from '../../../src/endpoint/peering/peer-connection.js';
import { PeerConnectionError, PeerTimeoutError } from '../../../src/errors.js';

const TIMEOUT = { timeout: 20_000 };
const open: PeerConnection[] = [];

function settings(
  role: 'offerer' | 'answerer',
  signal: (message: LocalSignal) => void,
  extra: Partial<PeerConnectionOptions> = {},
): PeerConnectionOptions {
  return {
    localId: role,
    peerId: role === 'offerer' ? 'answerer' : 'offerer',
    role,
    iceServers: [],
    bindAddress: '127.0.0.1',
    channels: 1,
    connectTimeoutMs: 10_000,
    maxMessageBytes: 64 * 1024 * 1024,
    maxPendingMessages: 16,
    bufferHighBytes: 4 * 1024 * 1024,
    bufferLowBytes: 1024 * 1024,
    maxChunkBytes: 256 * 1024,
    signal,
    ...extra,
  };
}

/** An offerer and an answerer wired to each other. */
async function pair(
  extra: Partial<PeerConnectionOptions> = {},
): Promise<{ offerer: PeerConnection; answerer: PeerConnection }> {
  const native = await loadDataChannel();
  const toAnswerer: LocalSignal[] = [];
  let answerer: PeerConnection | undefined;

  const offerer = PeerConnection.create(
    native,
    settings('offerer', (message) => {
      if (answerer === undefined) toAnswerer.push(message);
      else answerer.handleSignal(message);
    }, extra),
  );
  answerer = PeerConnection.create(
    native,
    settings('answerer', (message) => offerer.handleSignal(message), extra),
  );
  for (const message of toAnswerer.splice(0)) answerer.handleSignal(message);

  open.push(offerer, answerer);
  await Promise.all([offerer.ready(), answerer.ready()]);
  return { offerer, answerer };
}

function nextMessage(connection: PeerConnection): Promise<Buffer> {
  return new Promise((resolve) => connection.onMessage(resolve));
}

function nextClose(connection: PeerConnection): Promise<Error | undefined> {
  return new Promise((resolve) => connection.onClose(resolve));
}

afterEach(() => {
  for (const connection of open.splice(0)) connection.close();
});

describe('PeerConnection', () => {
  it('carries messages both ways, from empty to many chunks', TIMEOUT, async () => {
    const { offerer, answerer } = await pair();

    for (const size of [0, 5, 300_000, 3 * 1024 * 1024 + 1]) {
      const data = randomBytes(size);
      const received = nextMessage(answerer);
      await offerer.send([data.subarray(0, size >> 1), data.subarray(size >> 1)]);
      assert.ok((await received).equals(data), `offerer -> answerer, ${size} bytes`);

      const back = nextMessage(offerer);
      await answerer.send([data]);
      assert.ok((await back).equals(data), `answerer -> offerer, ${size} bytes`);
    }
  });

  it('opens every channel the offerer asked for', TIMEOUT, async () => {
    const { offerer, answerer } = await pair({ channels: 4 });

    const data = randomBytes(2 * 1024 * 1024);
    const received = nextMessage(answerer);
    await offerer.send([data]);
    assert.ok((await received).equals(data));
  });

  for (const side of ['offerer', 'answerer'] as const) {
    it(`tells the other side when the ${side} closes`, TIMEOUT, async () => {
      const connections = await pair();
      const closing = connections[side];
      const other = side === 'offerer' ? connections.answerer : connections.offerer;
      const closed = nextClose(other);

      closing.close();
      const error = await closed;
      assert.ok(error instanceof PeerConnectionError);
      assert.equal(other.closed, true);
      await assert.rejects(other.send([Buffer.from('late')]), PeerConnectionError);
    });
  }

  it('fails with PeerTimeoutError when the other side never answers', TIMEOUT, async () => {
    const native = await loadDataChannel();
    const lonely = PeerConnection.create(
      native,
      settings('offerer', () => undefined, { connectTimeoutMs: 300 }),
    );
    open.push(lonely);

    const closed = nextClose(lonely);
    await assert.rejects(
      lonely.ready(),
      (error: unknown) => error instanceof PeerTimeoutError && error.timeoutMs === 300,
    );
    assert.ok((await closed) instanceof PeerTimeoutError);
  });

  it('closes on a malformed description from the other side', TIMEOUT, async () => {
    const native = await loadDataChannel();
    const answerer = PeerConnection.create(native, settings('answerer', () => undefined));
    open.push(answerer);

    const closed = nextClose(answerer);
    answerer.handleSignal({ type: 'offer', sdp: 'this is not SDP' });
    const error = await closed;
    assert.ok(error instanceof PeerConnectionError);
    assert.match(error.message, /bad offer/);
  });
});
