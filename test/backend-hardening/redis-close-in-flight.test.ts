/**
 * RedisStore.close() while puts and gets are still running: they finish
 * (close waits for them) instead of failing with a misleading "could not
 * reach the server" error, and `clear: true` also removes what they wrote.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { Redis } from 'ioredis';

import { ProxyStoreError, RedisConnectorError } from '../../src/errors.js';
import { RedisStore } from '../../src/redis/index.js';
import {
  type RedisServerHandle,
  redisSkipReason,
  startRedisServer,
} from '../helpers/redis-server.js';

const skip = redisSkipReason();
const T = { timeout: 60_000 };

describe('RedisStore close() with requests in flight', { skip, timeout: 120_000 }, () => {
  let server: RedisServerHandle;
  let raw: Redis;

  before(async () => {
    server = await startRedisServer();
    raw = new Redis({ host: server.host, port: server.port });
  });

  after(async () => {
    raw?.disconnect();
    await server?.stop();
  });

  it('lets puts started before close() finish', T, async () => {
    const store = new RedisStore('close-in-flight', { url: server.url, cacheSize: 0 });
    try {
      const puts = Array.from({ length: 50 }, (_, i) =>
        store.put(Buffer.alloc(64 * 1024, i)),
      );
      const closing = store.close();
      const settled = await Promise.allSettled(puts);
      await closing;

      const failed = settled.filter((s) => s.status === 'rejected');
      assert.deepEqual(failed, []);
      for (const s of settled) {
        if (s.status === 'fulfilled') assert.equal(await raw.exists(s.value.id), 1);
      }
    } finally {
      await store.close();
    }
  });

  it('close({ clear: true }) also removes keys written in flight', T, async () => {
    const store = new RedisStore('close-clear', { url: server.url, cacheSize: 0 });
    await store.put('warm-up');
    const puts = Array.from({ length: 20 }, (_, i) => store.put({ i }));
    const closing = store.close({ clear: true });
    const settled = await Promise.allSettled(puts);
    await closing;

    for (const s of settled) {
      assert.equal(s.status, 'fulfilled');
      if (s.status === 'fulfilled') assert.equal(await raw.exists(s.value.id), 0);
    }
  });

  it('a request started after close() fails as closed', T, async () => {
    const store = new RedisStore('close-after', { url: server.url, cacheSize: 0 });
    await store.put(1);
    const closing = store.close();
    await assert.rejects(store.put(2), (error: unknown) => {
      assert.ok(error instanceof ProxyStoreError);
      assert.match(error.message, /closed/);
      return true;
    });
    await assert.rejects(store.connector.put(Buffer.from('x')), (error: unknown) => {
      assert.ok(error instanceof RedisConnectorError);
      assert.match(error.message, /closed/);
      return true;
    });
    await closing;
  });

  it('close() does not wait forever for a stopped server', { timeout: 40_000 }, async () => {
    // Default commandTimeoutMs is 60 s; close() gives requests in flight a
    // bounded grace instead, so this test's 40 s timeout catches a hang.
    const stopped = await startRedisServer();
    const store = new RedisStore('close-stopped', { url: stopped.url, cacheSize: 0 });
    try {
      const key = await store.put('x');
      stopped.process.kill('SIGSTOP');
      const pending = store.get(key).catch((error: unknown) => error);
      await store.close();
      stopped.process.kill('SIGCONT');
      assert.ok((await pending) instanceof Error);
    } finally {
      stopped.process.kill('SIGCONT');
      await store.close();
      await stopped.stop();
    }
  });
});
