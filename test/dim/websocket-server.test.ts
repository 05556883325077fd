/**
 * The WebSocket DIM server against a raw `ws` client that speaks the framing
 * by hand: malformed or oversized messages fail alone, never the server.
 */
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';

import WebSocket from 'ws';

import {
  ChunkReader,
  Reassembler,
  chunkToMessages,
  encodeChunkHeader,
  splitMessage,
} from '../../src/dim/chunking.js';
import { decodeResponse, encodeRequest } from '../../src/dim/protocol.js';
import type { DimRequest, DimResponse } from '../../src/dim/protocol.js';
import { startWebsocketServer } from '../../src/dim/websocket-server.js';
import type { RunningWebsocketServer } from '../../src/dim/websocket-server.js';

const TIMEOUT = { timeout: 30_000 };
const MAX_MESSAGE = 64 * 1024;

/** A hand-driven client: sends framed requests, collects framed answers. */
class RawClient {
  readonly socket: WebSocket;
  readonly answers = new Map<number, DimResponse>();
  readonly #reader = new ChunkReader();
  readonly #reassembler = new Reassembler({ maxMessageSize: 1 << 30 });
  readonly #waiters = new Map<number, (r: DimResponse) => void>();
  readonly closed: Promise<number>;

  constructor(port: number) {
    this.socket = new WebSocket(`ws://127.0.0.1:${port}`, { perMessageDeflate: false });
    this.socket.on('error', () => undefined);
    this.closed = new Promise((resolve) => this.socket.once('close', (code) => resolve(code)));
    this.socket.on('message', (data: Buffer) => {
      const chunk = this.#reader.push(data);
      if (chunk === undefined) return;
      const parts = this.#reassembler.push(chunk);
      if (parts === undefined) return;
      const response = decodeResponse(parts);
      this.answers.set(chunk.header.messageId, response);
      this.#waiters.get(chunk.header.messageId)?.(response);
    });
  }

  async open(): Promise<this> {
    await new Promise<void>((resolve, reject) => {
      this.socket.once('open', resolve);
      this.socket.once('error', reject);
    });
    return this;
  }

  send(id: number, request: DimRequest, chunkSize = 1024): void {
    for (const chunk of splitMessage(id, encodeRequest(request), chunkSize)) {
      for (const message of chunkToMessages(chunk)) this.socket.send(message);
    }
  }

  answer(id: number): Promise<DimResponse> {
    const known = this.answers.get(id);
    if (known !== undefined) return Promise.resolve(known);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no answer to ${id}`)), 10_000);
      this.#waiters.set(id, (r) => {
        clearTimeout(timer);
        resolve(r);
      });
    });
  }

  async request(id: number, request: DimRequest, chunkSize?: number): Promise<DimResponse> {
    this.send(id, request, chunkSize);
    return this.answer(id);
  }

  close(): void {
    this.socket.terminate();
  }
}

describe('startWebsocketServer()', { timeout: 120_000 }, () => {
  let server: RunningWebsocketServer;
  const objects = new Map<string, Uint8Array>();
  const clients: RawClient[] = [];

  async function client(): Promise<RawClient> {
    const c = await new RawClient(server.port).open();
    clients.push(c);
    return c;
  }

  before(async () => {
    server = await startWebsocketServer(
      { host: '127.0.0.1', port: 0, maxMessageSize: MAX_MESSAGE, chunkSize: 1024 },
      objects,
    );
  });

  after(async () => {
    for (const c of clients) c.close();
    await server?.close();
  });

  it('answers put, get, exists, evict and ping', TIMEOUT, async () => {
    const c = await client();
    const id = randomUUID();
    const data = randomBytes(5000);

    assert.equal((await c.request(1, { op: 'put', id, data })).status, 'ok');
    const got = await c.request(2, { op: 'get', id });
    assert.ok(got.status === 'ok');
    assert.deepEqual(Buffer.from(got.data ?? []), data);
    assert.deepEqual(await c.request(3, { op: 'exists', id }), { status: 'exists', exists: true });
    assert.equal((await c.request(4, { op: 'evict', id })).status, 'ok');
    assert.deepEqual(await c.request(5, { op: 'get', id }), { status: 'missing' });
    assert.equal((await c.request(6, { op: 'ping', id: '' })).status, 'ok');
  });

  it('answers an oversized put with an error and keeps the connection', TIMEOUT, async () => {
    const c = await client();
    const id = randomUUID();
    const answer = await c.request(7, { op: 'put', id, data: randomBytes(MAX_MESSAGE + 1) });
    assert.equal(answer.status, 'error');
    assert.match(answer.status === 'error' ? answer.message : '', /maxMessageSize/);
    assert.equal(objects.has(id), false);

    assert.equal((await c.request(8, { op: 'ping', id: '' })).status, 'ok');
  });

  it('answers an undecodable request with an error and keeps the connection', TIMEOUT, async () => {
    const c = await client();
    const bad = Buffer.concat(encodeRequest({ op: 'get', id: 'x' }));
    bad[1] = 99; // no such op
    for (const chunk of splitMessage(9, [bad], 1024)) {
      for (const message of chunkToMessages(chunk)) c.socket.send(message);
    }
    const answer = await c.answer(9);
    assert.equal(answer.status, 'error');
    assert.equal((await c.request(10, { op: 'ping', id: '' })).status, 'ok');
  });

  it('closes only the connection that breaks the framing', TIMEOUT, async () => {
    const broken = await client();
    const healthy = await client();

    broken.socket.send(Buffer.from('not a chunk header at all, just bytes!!'));
    assert.equal(await broken.closed, 1002);

    const text = await client();
    text.socket.send('hello');
    assert.equal(await text.closed, 1003);

    assert.equal((await healthy.request(11, { op: 'ping', id: '' })).status, 'ok');
    const fresh = await client();
    assert.equal((await fresh.request(12, { op: 'ping', id: '' })).status, 'ok');
  });

  it('closes a connection sending more payload than its header says', TIMEOUT, async () => {
    const c = await client();
    const header = { messageId: 13, index: 0, count: 1, payloadLength: 4, total: 4, offset: 0 };
    c.socket.send(encodeChunkHeader(header));
    c.socket.send(Buffer.alloc(8));
    assert.equal(await c.closed, 1002);
  });

  it('closes a connection whose message exceeds maxPayload', TIMEOUT, async () => {
    const c = await client();
    c.socket.send(Buffer.alloc(16 * 1024 * 1024 + 1));
    assert.equal(await c.closed, 1009);

    const fresh = await client();
    assert.equal((await fresh.request(14, { op: 'ping', id: '' })).status, 'ok');
  });

  it('keeps interleaved puts of one connection apart', TIMEOUT, async () => {
    const c = await client();
    const a = { id: randomUUID(), data: randomBytes(10_000) };
    const b = { id: randomUUID(), data: randomBytes(9_000) };
    const ca = splitMessage(20, encodeRequest({ op: 'put', ...a }), 1024);
    const cb = splitMessage(21, encodeRequest({ op: 'put', ...b }), 1024);
    for (let i = 0; i < Math.max(ca.length, cb.length); i++) {
      for (const chunk of [ca[i], cb[i]]) {
        if (chunk !== undefined) for (const m of chunkToMessages(chunk)) c.socket.send(m);
      }
    }
    assert.equal((await c.answer(20)).status, 'ok');
    assert.equal((await c.answer(21)).status, 'ok');
    assert.deepEqual(Buffer.from(objects.get(a.id) ?? []), a.data);
    assert.deepEqual(Buffer.from(objects.get(b.id) ?? []), b.data);
  });
});
