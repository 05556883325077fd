/**
 * RedisStore end to end on a real redis-server: async and implicit (bridge)
 * resolution, Python ProxyStore interop on bare ids, a consumer in another
 * process, and the missing-ioredis error.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

import { Redis } from 'ioredis';

import { isBridgeRunning, shutdownBridge } from '../../src/bridge/index.js';
import { BridgeError, ProxyResolveError } from '../../src/errors.js';
import { isResolved, proxiesToReferences, resolve } from '../../src/index.js';
import { RedisStore } from '../../src/redis/index.js';
import {
  type RedisServerHandle,
  redisSkipReason,
  startRedisServer,
} from '../helpers/redis-server.js';

const skip = redisSkipReason();
const T = { timeout: 60_000 };
const fixture = (name: string): string =>
  fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));

describe('RedisStore', { skip, timeout: 300_000 }, () => {
  let server: RedisServerHandle;
  let raw: Redis;
  let store: RedisStore;

  before(async () => {
    server = await startRedisServer();
    raw = new Redis({ host: server.host, port: server.port });
    store = new RedisStore('redis-store-test', { url: server.url, cacheSize: 0 });
  });

  after(async () => {
    await store?.close({ clear: true });
    await shutdownBridge();
    raw?.disconnect();
    await server?.stop();
  });

  // Runs first: nothing in this file has used the bridge yet.
  it('await resolve(proxy) fetches without starting the bridge', T, async () => {
    const key = await store.put({ answer: 42 });
    const p = store.proxyFromKey<{ answer: number }>(key);
    assert.equal(isResolved(p), false);

    await resolve(p);
    assert.equal(isResolved(p), true);
    assert.equal(p.answer, 42);
    assert.equal(isBridgeRunning(), false);
  });

  it('resolves a proxy implicitly on first use through the bridge', T, async () => {
    const key = await store.put({ list: [1, 2, 3] });
    const p = store.proxyFromKey<{ list: number[] }>(key);

    assert.deepEqual(p.list, [1, 2, 3]);
    assert.equal(isResolved(p), true);
    assert.equal(isBridgeRunning(), true);
  });

  it('existsSync() answers through the bridge', T, async () => {
    const key = await store.put([1]);
    assert.equal(store.existsSync(key), true);
    await store.evict(key);
    assert.equal(store.existsSync(key), false);
  });

  it('resolves a 4 MB Buffer implicitly, byte for byte', T, async () => {
    const data = Buffer.alloc(4 * 1024 * 1024);
    for (let i = 0; i < data.length; i += 4096) data[i] = i % 251;
    const key = await store.put(data);
    const p = store.proxyFromKey<Buffer>(key, { kind: 'buffer' });

    assert.equal(p.length, data.length);
    assert.equal(p[8192], data[8192]);
  });

  it('reads bytes written by Python ProxyStore (BS\\n on a bare id)', T, async () => {
    const id = crypto.randomUUID();
    const body = Buffer.from([0, 1, 2, 254, 255]);
    await raw.set(id, Buffer.concat([Buffer.from('BS\n'), body]));

    const got = await store.get<Uint8Array>({ id });
    assert.ok(got instanceof Uint8Array);
    assert.deepEqual([...got], [...body]);
    await raw.del(id);
  });

  it('writes bytes Python ProxyStore reads (BS\\n / US\\n on a bare id)', T, async () => {
    const body = Buffer.from('binary \x00 body');
    const bytesKey = await store.put(body);
    const textKey = await store.put('grüße');

    const rawBytes = await raw.getBuffer(bytesKey.id);
    assert.deepEqual(rawBytes, Buffer.concat([Buffer.from('BS\n'), body]));
    assert.equal(await raw.get(textKey.id), 'US\ngrüße');
  });

  it('a consumer process resolves a proxy from JSON implicitly', T, async () => {
    const p = await store.proxy({ title: 'flights', values: [1, 2, 3, 4] });
    const json = JSON.stringify(proxiesToReferences(p));

    const args = ['--import', 'tsx', fixture('consumer.ts'), json];
    const child = spawnSync(process.execPath, args, { encoding: 'utf8', timeout: 30_000 });
    assert.equal(child.signal, null, 'the consumer hung');
    assert.equal(child.status, 0, child.stderr);
    assert.deepEqual(JSON.parse(child.stdout), {
      before: false,
      after: true,
      bridge: true,
      seen: { title: 'flights', sum: 10 },
    });
  });

  it('a dead server surfaces as an error on implicit resolve, not a hang', T, async () => {
    const doomed = await startRedisServer();
    const other = new RedisStore('doomed', { port: doomed.port, cacheSize: 0 });
    try {
      const key = await other.put({ soon: 'gone' });
      const p = other.proxyFromKey<{ soon: string }>(key);
      await doomed.stop();

      assert.throws(
        () => p.soon,
        (error: unknown) => {
          const typed = error instanceof ProxyResolveError || error instanceof BridgeError;
          assert.ok(typed, String(error));
          assert.match(collectMessages(error), /RedisConnectorError|could not reach/);
          return true;
        },
      );
    } finally {
      await other.close();
      await doomed.stop();
    }
  });

  it('works with an undefined url (new RedisStore(name, { url: env }))', () => {
    const url: string | undefined = undefined;
    const s = new RedisStore('env-url', { url });
    assert.deepEqual(s.config().connector, { kind: 'redis', options: {} });
  });

  it('says to install ioredis when it is missing', T, () => {
    const child = spawnSync(
      process.execPath,
      [
        '--import', 'tsx',
        '--import', fixture('no-ioredis.mjs'),
        fixture('put-without-ioredis.ts'),
        String(server.port),
      ],
      { encoding: 'utf8', timeout: 30_000 },
    );
    assert.equal(child.status, 0, child.stderr);
    const out = JSON.parse(child.stdout) as { name: string; message: string };
    assert.equal(out.name, 'RedisConnectorError');
    assert.match(out.message, /Install ioredis to use RedisStore: npm install ioredis/);
  });
});

function collectMessages(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  while (current instanceof Error && parts.length < 6) {
    parts.push(`${current.name}: ${current.message}`);
    current = current.cause;
  }
  return parts.join(' <- ');
}

describe('RedisStore consumers', { skip, timeout: 120_000 }, () => {
  it('a process that resolved a proxy exits without closing the rebuilt store', async () => {
    const server = await startRedisServer();
    const producer = new RedisStore('redis-exit-test', { url: server.url });
    try {
      const p = await producer.proxy({ n: 7 });
      const child = spawnSync(
        process.execPath,
        ['--import', 'tsx', fixture('async-consumer.ts'), JSON.stringify(p)],
        { encoding: 'utf8', timeout: 30_000 },
      );
      assert.equal(child.error, undefined, 'the consumer did not exit by itself');
      assert.equal(child.status, 0, child.stderr);
      assert.deepEqual(JSON.parse(child.stdout), { n: 7 });
    } finally {
      await producer.close({ clear: true });
      await server.stop();
    }
  });
});
