import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';

import { EndpointClient } from '../../src/endpoint/client.js';
import { EndpointConnectorError } from '../../src/errors.js';
import { rawRequest, startTestServer, type TestServer } from './helpers.js';

const TIMEOUT = { timeout: 30_000 };
const LIMIT = 1024 * 1024;

describe('EndpointServer', () => {
  let server: TestServer;
  let client: EndpointClient;

  before(async () => {
    server = await startTestServer({ maxObjectSize: LIMIT });
    client = new EndpointClient({ host: '127.0.0.1', port: server.port });
  });

  after(async () => {
    client?.close();
    await server?.close();
  });

  describe('200 answers', () => {
    it('GET / answers 200 with an empty body', TIMEOUT, async () => {
      const reply = await rawRequest(server.port, 'GET', '/');
      assert.equal(reply.status, 200);
      assert.equal(reply.body.byteLength, 0);
    });

    it('GET /endpoint answers the endpoint id as JSON', TIMEOUT, async () => {
      const reply = await rawRequest(server.port, 'GET', '/endpoint');
      assert.equal(reply.status, 200);
      assert.equal(reply.headers['content-type'], 'application/json');
      assert.equal(JSON.parse(reply.body.toString()).uuid, server.endpoint.uuid);
    });

    it('set, get, exists and evict follow one another', TIMEOUT, async () => {
      const data = randomBytes(5000);
      await client.set('k1', data);
      assert.deepEqual(await client.get('k1'), data);
      assert.equal(await client.exists('k1'), true);
      await client.evict('k1');
      assert.equal(await client.exists('k1'), false);
      assert.equal(await client.get('k1'), null);
      await client.evict('k1');
    });

    it('accepts the own endpoint id as the endpoint parameter', TIMEOUT, async () => {
      await client.set('own', Buffer.from('x'), server.endpoint.uuid);
      assert.deepEqual(await client.get('own', server.endpoint.uuid), Buffer.from('x'));
    });

    it('answers binary with a Content-Length', TIMEOUT, async () => {
      const data = randomBytes(3000);
      await client.set('bin', data);
      const reply = await rawRequest(server.port, 'GET', '/get?key=bin');
      assert.equal(reply.headers['content-type'], 'application/octet-stream');
      assert.equal(reply.headers['content-length'], '3000');
      assert.deepEqual(reply.body, data);
    });
  });

  describe('object sizes', () => {
    it('stores an object of 0 bytes', TIMEOUT, async () => {
      await client.set('zero', new Uint8Array(0));
      const got = await client.get('zero');
      assert.ok(got !== null);
      assert.equal(got.byteLength, 0);
    });

    it('stores an object sent in one chunk', TIMEOUT, async () => {
      const data = randomBytes(1000);
      const reply = await rawRequest(server.port, 'POST', '/set?key=one', {
        headers: { 'Content-Length': String(data.byteLength) },
        chunks: [data],
      });
      assert.equal(reply.status, 200);
      assert.deepEqual(await client.get('one'), data);
    });

    it('stores an object sent in many chunks (chunked encoding)', TIMEOUT, async () => {
      const data = randomBytes(LIMIT);
      const chunks: Buffer[] = [];
      for (let at = 0; at < data.byteLength; at += 10_000) {
        chunks.push(data.subarray(at, at + 10_000));
      }
      const reply = await rawRequest(server.port, 'POST', '/set?key=many', { chunks });
      assert.equal(reply.status, 200, reply.body.toString());
      assert.deepEqual(await client.get('many'), data);
    });

    it('stores an object of exactly the limit', TIMEOUT, async () => {
      const data = randomBytes(LIMIT);
      await client.set('exact', data);
      assert.deepEqual(await client.get('exact'), data);
    });
  });

  describe('error answers', () => {
    it('404 for a missing key, and get() returns null', TIMEOUT, async () => {
      const reply = await rawRequest(server.port, 'GET', '/get?key=nothing');
      assert.equal(reply.status, 404);
      assert.match(reply.body.toString(), /No object is stored under key 'nothing'/);
      assert.equal(await client.get('nothing'), null);
    });

    it('400 for a request without a key', TIMEOUT, async () => {
      for (const [method, path] of [
        ['GET', '/get'],
        ['GET', '/exists'],
        ['POST', '/evict'],
        ['POST', '/set'],
      ] as const) {
        const reply = await rawRequest(server.port, method, path);
        assert.equal(reply.status, 400, `${method} ${path}`);
        assert.match(reply.body.toString(), /has no key/);
      }
    });

    it('400 for an endpoint parameter that is not a UUID', TIMEOUT, async () => {
      const reply = await rawRequest(server.port, 'GET', '/get?key=a&endpoint=xyz');
      assert.equal(reply.status, 400);
      assert.match(reply.body.toString(), /\("xyz"\) is not a valid UUID/);
    });

    it('400 for an unknown route (404 is kept for missing keys)', TIMEOUT, async () => {
      const reply = await rawRequest(server.port, 'GET', '/nope');
      assert.equal(reply.status, 400);
      assert.match(reply.body.toString(), /Unknown route "\/nope"/);
    });

    it('405 with Allow for a wrong method', TIMEOUT, async () => {
      const reply = await rawRequest(server.port, 'GET', '/set?key=a');
      assert.equal(reply.status, 405);
      assert.equal(reply.headers['allow'], 'POST');
    });

    it('413 naming the limit for an object just over it', TIMEOUT, async () => {
      const data = randomBytes(LIMIT + 1);
      await assert.rejects(client.set('over', data), (err: unknown) => {
        assert.ok(err instanceof EndpointConnectorError);
        assert.equal(err.status, 413);
        assert.match(err.message, new RegExp(`maximum object size of ${LIMIT} bytes`));
        return true;
      });
      assert.equal(await client.exists('over'), false);
    });

    it('413 for a chunked body as soon as it passes the limit', TIMEOUT, async () => {
      const chunks = Array.from({ length: 11 }, () => randomBytes(100_000));
      const reply = await rawRequest(server.port, 'POST', '/set?key=overchunked', { chunks });
      assert.equal(reply.status, 413);
      assert.match(reply.body.toString(), new RegExp(`${LIMIT} bytes`));
      assert.equal(await client.exists('overchunked'), false);
    });

    it('413 before the body is sent when the client expects 100-continue', TIMEOUT, async () => {
      const reply = await rawRequest(server.port, 'POST', '/set?key=early', {
        headers: { 'Content-Length': String(LIMIT * 100), Expect: '100-continue' },
      });
      assert.equal(reply.status, 413);
      assert.match(reply.body.toString(), /exceeds this endpoint's maximum object size/);
    });

    it('500 when a key belongs to another endpoint and there is no relay', TIMEOUT, async () => {
      const other = randomUUID();
      await assert.rejects(client.get('k', other), (err: unknown) => {
        assert.ok(err instanceof EndpointConnectorError);
        assert.equal(err.status, 500);
        assert.match(err.serverMessage ?? '', /has no relay configured/);
        assert.match(err.serverMessage ?? '', new RegExp(other));
        return true;
      });
    });
  });

  describe('access token', () => {
    let guarded: TestServer;

    before(async () => {
      guarded = await startTestServer({ token: 'sesame-12345' });
    });

    after(async () => {
      await guarded?.close();
    });

    it('401 on every object route without the token', TIMEOUT, async () => {
      const anonymous = new EndpointClient({ host: '127.0.0.1', port: guarded.port });
      const wrong = new EndpointClient({
        host: '127.0.0.1',
        port: guarded.port,
        token: 'sesame-99999',
      });
      try {
        for (const c of [anonymous, wrong]) {
          for (const op of [
            () => c.identity(),
            () => c.get('k'),
            () => c.set('k', Buffer.from('x')),
            () => c.exists('k'),
            () => c.evict('k'),
          ]) {
            await assert.rejects(op(), { name: 'EndpointConnectorError', status: 401 });
          }
        }
      } finally {
        anonymous.close();
        wrong.close();
      }
    });

    it('serves a client that sends the token', TIMEOUT, async () => {
      const c = new EndpointClient({
        host: '127.0.0.1',
        port: guarded.port,
        token: 'sesame-12345',
      });
      try {
        await c.set('k', Buffer.from('ok'));
        assert.deepEqual(await c.get('k'), Buffer.from('ok'));
      } finally {
        c.close();
      }
    });
  });
});
