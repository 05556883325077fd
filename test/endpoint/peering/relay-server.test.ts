import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { WebSocket } from 'ws';

import { InvalidArgumentError } from '../../../src/errors.js';
import {
  RelayCloseCode,
  type RelayMessage,
} from '../../../src/endpoint/peering/relay-protocol.js';
import { RelayServer } from '../../../src/endpoint/peering/relay-server.js';
import { waitUntil } from './helpers.js';

const TIMEOUT = { timeout: 20_000 };

/** A raw WebSocket client that records frames and its close. */
interface RawClient {
  socket: WebSocket;
  frames: RelayMessage[];
  closed: Promise<{ code: number; reason: string }>;
  send(value: unknown): void;
  nextFrame(): Promise<RelayMessage>;
}

const clients: RawClient[] = [];

async function connect(url: string, token?: string): Promise<RawClient> {
  const headers: Record<string, string> =
    token === undefined ? {} : { Authorization: `Bearer ${token}` };
  const socket = new WebSocket(url, { headers });
  socket.on('error', () => undefined);

  const frames: RelayMessage[] = [];
  const waiters: (() => void)[] = [];
  socket.on('message', (data) => {
    frames.push(JSON.parse(String(data)) as RelayMessage);
    for (const wake of waiters.splice(0)) wake();
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) => {
    socket.once('close', (code, reason) => {
      resolve({ code, reason: reason.toString() });
    });
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('open', resolve);
    socket.once('close', () => reject(new Error('closed before open')));
  }).catch(() => undefined);

  let read = 0;
  const client: RawClient = {
    socket,
    frames,
    closed,
    send: (value) => socket.send(typeof value === 'string' ? value : JSON.stringify(value)),
    async nextFrame() {
      while (read >= frames.length) {
        await new Promise<void>((resolve) => waiters.push(resolve));
      }
      return frames[read++] as RelayMessage;
    },
  };
  clients.push(client);
  return client;
}

async function register(url: string, id: string, token?: string): Promise<RawClient> {
  const client = await connect(url, token);
  client.send({ type: 'register', id });
  const reply = await client.nextFrame();
  assert.equal(reply.type, 'registered');
  return client;
}

describe('RelayServer', () => {
  let relay: RelayServer;

  before(async () => {
    relay = await RelayServer.start({ port: 0, maxMessageBytes: 4096 });
  });

  after(async () => {
    for (const client of clients) client.socket.terminate();
    await relay.close();
  });

  it('listens on 127.0.0.1 by default and reports its url', () => {
    assert.equal(relay.address.host, '127.0.0.1');
    assert.match(relay.url, /^ws:\/\/127\.0\.0\.1:\d+$/);
  });

  it('registers endpoints and forwards signals with the sender id', TIMEOUT, async () => {
    const a = await register(relay.url, 'reg-a');
    const b = await register(relay.url, 'reg-b');
    assert.deepEqual(a.frames[0], { type: 'registered', id: 'reg-a', maxMessageBytes: 4096 });

    a.send({ type: 'offer', to: 'reg-b', from: 'forged', connection: 'c1', sdp: 'v=0' });
    const forwarded = await b.nextFrame();
    assert.deepEqual(forwarded, {
      type: 'offer',
      to: 'reg-b',
      from: 'reg-a',
      connection: 'c1',
      sdp: 'v=0',
    });

    b.send({ type: 'candidate', to: 'reg-a', connection: 'c1', candidate: 'a=x', mid: '0' });
    const candidate = await a.nextFrame();
    assert.equal(candidate.type, 'candidate');
    assert.equal((candidate as { from?: string }).from, 'reg-b');
  });

  it('answers a signal to an unknown peer with a 4003 error frame', TIMEOUT, async () => {
    const a = await register(relay.url, 'lonely');
    a.send({ type: 'offer', to: 'nobody', connection: 'c2', sdp: 'v=0' });
    const reply = await a.nextFrame();
    assert.equal(reply.type, 'error');
    assert.equal((reply as { code: number }).code, RelayCloseCode.UnknownPeer);
    assert.equal((reply as { to?: string }).to, 'nobody');
    assert.equal((reply as { connection?: string }).connection, 'c2');
    assert.equal(a.socket.readyState, WebSocket.OPEN);
  });

  it('closes with 4002 a client that signals before registering', TIMEOUT, async () => {
    const a = await connect(relay.url);
    a.send({ type: 'offer', to: 'reg-b', connection: 'c3', sdp: 'v=0' });
    const { code, reason } = await a.closed;
    assert.equal(code, RelayCloseCode.Forbidden);
    assert.match(reason, /Register before/);
  });

  it('closes with 4000 on bad JSON, binary frames and unknown types', TIMEOUT, async () => {
    const bad = await connect(relay.url);
    bad.send('{not json');
    assert.equal((await bad.closed).code, RelayCloseCode.BadMessage);

    const binary = await connect(relay.url);
    binary.socket.send(Buffer.from([1, 2, 3]));
    assert.equal((await binary.closed).code, RelayCloseCode.BadMessage);

    const unknown = await connect(relay.url);
    unknown.send({ type: 'hello' });
    const closed = await unknown.closed;
    assert.equal(closed.code, RelayCloseCode.BadMessage);
    assert.match(closed.reason, /Unknown message type "hello"/);
  });

  it('closes the older connection with 4004 when an id registers again', TIMEOUT, async () => {
    const older = await register(relay.url, 'twice');
    const newer = await register(relay.url, 'twice');

    const { code, reason } = await older.closed;
    assert.equal(code, RelayCloseCode.Replaced);
    assert.match(reason, /newer registration/);

    const sender = await register(relay.url, 'twice-sender');
    sender.send({ type: 'offer', to: 'twice', connection: 'c4', sdp: 'v=0' });
    const forwarded = await newer.nextFrame();
    assert.equal(forwarded.type, 'offer');
    assert.equal(newer.socket.readyState, WebSocket.OPEN);
  });

  it('closes only the sender of an oversized message (1009)', TIMEOUT, async () => {
    const offender = await register(relay.url, 'big-sender');
    const bystander = await register(relay.url, 'bystander');
    const peer = await register(relay.url, 'bystander-peer');

    offender.send({ type: 'offer', to: 'bystander', connection: 'c5', sdp: 'x'.repeat(8192) });
    assert.equal((await offender.closed).code, 1009);

    bystander.send({ type: 'offer', to: 'bystander-peer', connection: 'c6', sdp: 'small' });
    const forwarded = await peer.nextFrame();
    assert.equal((forwarded as { sdp?: string }).sdp, 'small');
    assert.equal(bystander.frames.length, 1, 'the bystander got nothing from the offender');
    await waitUntil(() => relay.stats().registered >= 2, 'the registry is updated');
  });

  it('unregisters a client when it disconnects', TIMEOUT, async () => {
    const gone = await register(relay.url, 'leaving');
    const count = relay.stats().registered;
    gone.socket.close();
    await gone.closed;
    await waitUntil(() => relay.stats().registered === count - 1, 'the relay drops the id');

    const asker = await register(relay.url, 'asker');
    asker.send({ type: 'offer', to: 'leaving', connection: 'c7', sdp: 'v=0' });
    const reply = await asker.nextFrame();
    assert.equal(reply.type, 'error');
  });

  it('rejects bad options', async () => {
    await assert.rejects(RelayServer.start({ port: 70_000 }), InvalidArgumentError);
    await assert.rejects(RelayServer.start({ maxMessageBytes: 10 }), /maxMessageBytes/);
  });
});

describe('RelayServer with a token', () => {
  let relay: RelayServer;

  before(async () => {
    relay = await RelayServer.start({ port: 0, token: 's3cret' });
  });

  after(async () => {
    await relay.close();
  });

  it('closes clients without the right token with 4001', TIMEOUT, async () => {
    const none = await connect(relay.url);
    assert.equal((await none.closed).code, RelayCloseCode.Unauthorized);

    const wrong = await connect(relay.url, 's3crex');
    assert.equal((await wrong.closed).code, RelayCloseCode.Unauthorized);
    assert.equal(relay.stats().registrations, 0);
  });

  it('registers clients with the right token', TIMEOUT, async () => {
    const client = await register(relay.url, 'authorized', 's3cret');
    assert.equal(client.socket.readyState, WebSocket.OPEN);
    assert.equal(relay.stats().registrations, 1);
  });
});
