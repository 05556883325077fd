/**
 * RedisConnector against real redis-server processes started on free ports of
 * 127.0.0.1: the connector contract (standalone and a 3-node cluster), then
 * what is specific to Redis.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';

import { Redis } from 'ioredis';

import { connectorFromConfig } from '../../src/connectors/kinds.js';
import { InvalidArgumentError, RedisConnectorError } from '../../src/errors.js';
import { RedisConnector } from '../../src/redis/index.js';
import { describeConnectorContract } from '../helpers/connector-contract.js';
import {
  type RedisClusterHandle,
  type RedisServerHandle,
  freePort,
  redisSkipReason,
  startRedisCluster,
  startRedisServer,
} from '../helpers/redis-server.js';

const skip = redisSkipReason();
const T = { timeout: 60_000 };

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof Error);
    return error;
  }
  assert.fail('expected a rejection');
}

describe('RedisConnector', { skip, timeout: 600_000 }, () => {
  {
    let server: RedisServerHandle;
    describeConnectorContract('RedisConnector (standalone)', {
      make: async () => {
        server = await startRedisServer();
        return new RedisConnector({ port: server.port });
      },
      teardown: () => server?.stop(),
    });
  }

  {
    let cluster: RedisClusterHandle;
    describeConnectorContract('RedisConnector (3-node cluster)', {
      make: async () => {
        cluster = await startRedisCluster();
        return new RedisConnector({ cluster: { nodes: cluster.nodes } });
      },
      teardown: () => cluster?.stop(),
    });
  }

  describe('on a standalone server', () => {
    let server: RedisServerHandle;
    let raw: Redis;

    before(async () => {
      server = await startRedisServer();
      raw = new Redis({ port: server.port, host: server.host, lazyConnect: true });
      await raw.connect();
    });

    after(async () => {
      raw?.disconnect();
      await server?.stop();
    });

    it('stores objects under the bare uuid by default', T, async () => {
      const c = new RedisConnector({ url: server.url });
      try {
        const key = await c.put(Buffer.from('bare'));
        assert.match(key.id, /^[0-9a-f-]{36}$/);
        assert.equal(c.keyName(key), key.id);
        assert.equal(await raw.get(key.id), 'bare');
      } finally {
        await c.close({ clear: true });
      }
    });

    it('prefixes key names with keyPrefix', T, async () => {
      const c = new RedisConnector({ port: server.port, keyPrefix: 'ps:' });
      try {
        const key = await c.put(Buffer.from('prefixed'));
        assert.equal(await raw.get(`ps:${key.id}`), 'prefixed');
        assert.equal(await raw.exists(key.id), 0);
      } finally {
        await c.close({ clear: true });
      }
    });

    it('is binary safe (every byte value, and a plain Uint8Array)', T, async () => {
      const c = new RedisConnector({ port: server.port });
      try {
        const all = Uint8Array.from({ length: 256 }, (_, i) => i);
        const view = new Uint8Array(randomBytes(64).buffer, 8, 40);
        const [k1, k2] = await c.putBatch([all, view]);
        const [b1, b2] = await c.getBatch([k1!, k2!]);
        assert.deepEqual([...b1!], [...all]);
        assert.deepEqual([...b2!], [...view]);
      } finally {
        await c.close({ clear: true });
      }
    });

    it('selects the database given in the URL', T, async () => {
      const c = new RedisConnector({ url: `${server.url}/3` });
      const db3 = new Redis({ port: server.port, host: server.host, db: 3 });
      try {
        const key = await c.put(Buffer.from('in db 3'));
        assert.equal(await db3.get(key.id), 'in db 3');
        assert.equal(await raw.exists(key.id), 0);
      } finally {
        db3.disconnect();
        await c.close({ clear: true });
      }
    });

    it('close({ clear: true }) deletes only the keys it wrote', T, async () => {
      await raw.set('not-ours', 'keep me');
      const c = new RedisConnector({ port: server.port });
      const [kept, evicted] = await c.putBatch([Buffer.from('a'), Buffer.from('b')]);
      await c.evict(evicted!);
      await raw.set(evicted!.id, 'rewritten by someone else');

      await c.close({ clear: true });
      assert.equal(await raw.exists(kept!.id), 0);
      assert.equal(await raw.get(evicted!.id), 'rewritten by someone else');
      assert.equal(await raw.get('not-ours'), 'keep me');
    });

    it('close() keeps the keys by default; clear: true in options clears', T, async () => {
      const keeps = new RedisConnector({ port: server.port });
      const kept = await keeps.put(Buffer.from('stay'));
      await keeps.close();
      assert.equal(await raw.get(kept.id), 'stay');

      const clears = new RedisConnector({ port: server.port, clear: true });
      const gone = await clears.put(Buffer.from('go'));
      await clears.close();
      assert.equal(await raw.exists(gone.id), 0);
    });

    it('fails every call after close() with RedisConnectorError', T, async () => {
      const c = new RedisConnector({ port: server.port });
      await c.put(Buffer.from('x'));
      await c.close();
      const error = await rejection(c.get({ id: 'whatever' }));
      assert.ok(error instanceof RedisConnectorError);
      assert.match(error.message, /closed/);
    });

    it('rebuilds from config() through the registered kind', T, async () => {
      const c = new RedisConnector({ port: server.port, keyPrefix: 'cfg:' });
      const config = JSON.parse(JSON.stringify(c.config()));
      assert.deepEqual(config, {
        kind: 'redis',
        options: { port: server.port, keyPrefix: 'cfg:' },
      });

      const rebuilt = await connectorFromConfig(config);
      try {
        assert.ok(rebuilt instanceof RedisConnector);
        const key = await c.put(Buffer.from('shared'));
        assert.equal(Buffer.from((await rebuilt.get(key))!).toString(), 'shared');
      } finally {
        await rebuilt.close();
        await c.close({ clear: true });
      }
    });

    it('rejects a key that is not { id: string }', T, async () => {
      const c = new RedisConnector({ port: server.port });
      try {
        const bad = { id: 42 } as unknown as { id: string };
        await assert.rejects(c.get(bad), InvalidArgumentError);
      } finally {
        await c.close();
      }
    });
  });

  describe('options', () => {
    it('rejects invalid options with InvalidArgumentError', () => {
      const bad = [
        { port: 0 },
        { port: 70_000 },
        { db: -1 },
        { url: 'http://127.0.0.1:6379' },
        { url: 'not a url' },
        { cluster: { nodes: [] } },
        { cluster: { nodes: [{ host: '127.0.0.1', port: 7000 }] }, db: 1 },
        { commandTimeoutMs: 0 },
        { connectTimeoutMs: Number.NaN },
      ];
      for (const options of bad) {
        const make = (): RedisConnector => new RedisConnector(options);
        assert.throws(make, InvalidArgumentError, JSON.stringify(options));
      }
    });

    it('never puts a URL password in an error message', () => {
      const error = (() => {
        try {
          new RedisConnector({ url: 'http://user:hunter2@127.0.0.1' });
        } catch (e) {
          return e as Error;
        }
        return undefined;
      })();
      assert.ok(error instanceof InvalidArgumentError);
      assert.doesNotMatch(error.message, /hunter2/);
    });

    it('takes host, port, user, password and TLS from the URL', () => {
      const c = new RedisConnector({ url: 'rediss://me:pw@10.1.2.3:7001/2' });
      assert.equal(c.address, '10.1.2.3:7001');
    });
  });

  describe('failures', () => {
    it('a refused connection fails in bounded time, naming the address', T, async () => {
      const port = await freePort();
      const c = new RedisConnector({ port, connectTimeoutMs: 1_000 });
      try {
        const error = await rejection(c.put(Buffer.from('nobody home')));
        assert.ok(error instanceof RedisConnectorError, String(error));
        assert.equal(error.connectorKind, 'redis');
        assert.equal(error.address, `127.0.0.1:${port}`);
        assert.match(error.message, new RegExp(`127\\.0\\.0\\.1:${port}`));
        assert.match(error.message, /ECONNREFUSED/);
      } finally {
        await c.close();
      }
    });

    it('a lost server fails the next command with RedisConnectorError', T, async () => {
      const server = await startRedisServer();
      const c = new RedisConnector({ port: server.port });
      try {
        const key = await c.put(Buffer.from('before'));
        await server.stop();
        const error = await rejection(c.get(key));
        assert.ok(error instanceof RedisConnectorError, String(error));
        assert.equal(error.command, 'GET');
      } finally {
        await c.close();
        await server.stop();
      }
    });

    it('a server that stops answering hits commandTimeoutMs', T, async () => {
      const server = await startRedisServer();
      const c = new RedisConnector({ port: server.port, commandTimeoutMs: 300 });
      try {
        const key = await c.put(Buffer.from('x'));
        server.process.kill('SIGSTOP');
        const error = await rejection(c.get(key));
        assert.ok(error instanceof RedisConnectorError, String(error));
        assert.match(error.message, /commandTimeoutMs \(300 ms\)/);
      } finally {
        server.process.kill('SIGCONT');
        await c.close();
        await server.stop();
      }
    });

    it('a value above proto-max-bulk-len is refused, and a batch leaves nothing', T, async () => {
      const server = await startRedisServer(['--proto-max-bulk-len', '1mb']);
      const raw = new Redis({ port: server.port, host: server.host });
      const c = new RedisConnector({ port: server.port });
      try {
        const big = Buffer.alloc(2 * 1024 * 1024, 1);
        const error = await rejection(c.putBatch([Buffer.from('small'), big]));
        assert.ok(error instanceof RedisConnectorError, String(error));
        assert.match(error.message, /proto-max-bulk-len/);
        assert.match(error.message, /2097152 bytes/);
        assert.equal(await raw.dbsize(), 0);

        // The connection is still usable.
        const key = await c.put(Buffer.from('fits'));
        assert.equal(await raw.get(key.id), 'fits');
      } finally {
        raw.disconnect();
        await c.close({ clear: true });
        await server.stop();
      }
    });

    it('names the server reply when CONFIG is disabled and the server refuses', T, async () => {
      const server = await startRedisServer([
        '--proto-max-bulk-len', '1mb',
        '--rename-command', 'CONFIG', '',
      ]);
      const raw = new Redis({ port: server.port, host: server.host });
      const c = new RedisConnector({ port: server.port });
      try {
        const big = Buffer.alloc(2 * 1024 * 1024, 2);
        const error = await rejection(c.putBatch([Buffer.from('small'), big]));
        assert.ok(error instanceof RedisConnectorError, String(error));
        assert.match(error.reply ?? '', /invalid bulk length/);
        assert.match(error.message, /proto-max-bulk-len/);
        assert.equal(await raw.dbsize(), 0);

        const key = await c.put(Buffer.from('after the reset'));
        assert.equal(await raw.get(key.id), 'after the reset');
      } finally {
        raw.disconnect();
        await c.close({ clear: true });
        await server.stop();
      }
    });

    it('passwordEnv keeps the password out of config() and references', T, async () => {
      const server = await startRedisServer(['--requirepass', 'env-s3cret']);
      process.env['PS_TEST_REDIS_PASSWORD'] = 'env-s3cret';
      const c = new RedisConnector({ port: server.port, passwordEnv: 'PS_TEST_REDIS_PASSWORD' });
      try {
        const key = await c.put(Buffer.from('env'));
        const text = JSON.stringify(c.config());
        assert.doesNotMatch(text, /env-s3cret/);
        assert.match(text, /PS_TEST_REDIS_PASSWORD/);
        const rebuilt = RedisConnector.fromConfig(JSON.parse(text).options);
        assert.equal(Buffer.from((await rebuilt.get(key))!).toString(), 'env');
        await rebuilt.close();
        delete process.env['PS_TEST_REDIS_PASSWORD'];
        assert.throws(
          () => RedisConnector.fromConfig(JSON.parse(text).options),
          /PS_TEST_REDIS_PASSWORD is not set/,
        );
      } finally {
        delete process.env['PS_TEST_REDIS_PASSWORD'];
        await c.close({ clear: true });
        await server.stop();
      }
    });

    it('a wrong password fails with RedisConnectorError', T, async () => {
      const server = await startRedisServer(['--requirepass', 's3cret']);
      const good = new RedisConnector({ port: server.port, password: 's3cret' });
      const bad = new RedisConnector({ port: server.port, password: 'wrong' });
      try {
        const key = await good.put(Buffer.from('authed'));
        assert.equal(Buffer.from((await good.get(key))!).toString(), 'authed');

        const error = await rejection(bad.get(key));
        assert.ok(error instanceof RedisConnectorError, String(error));
        assert.doesNotMatch(error.message, /s3cret|wrong/);
      } finally {
        await good.close({ clear: true });
        await bad.close();
        await server.stop();
      }
    });
  });

  describe('on a cluster', () => {
    let cluster: RedisClusterHandle;

    before(async () => {
      cluster = await startRedisCluster();
    });

    after(async () => {
      await cluster?.stop();
    });

    it('spreads a batch over the nodes and reads it back in order', T, async () => {
      const c = new RedisConnector({ cluster: { nodes: cluster.nodes } });
      const items = Array.from({ length: 60 }, (_, i) => Buffer.from(`item-${i}`));
      try {
        const keys = await c.putBatch(items);
        const got = await c.getBatch(keys);
        assert.deepEqual(got.map((b) => Buffer.from(b!).toString()), items.map(String));

        const counts = await Promise.all(
          cluster.nodes.map(async (node) => {
            const r = new Redis({ port: node.port, host: node.host });
            try {
              return await r.dbsize();
            } finally {
              r.disconnect();
            }
          }),
        );
        assert.ok(counts.every((n) => n > 0), `keys per node: ${counts.join(', ')}`);
        assert.equal(counts.reduce((a, b) => a + b, 0), 60);

        await c.close({ clear: true });
        const after = await Promise.all(
          cluster.nodes.map(async (node) => {
            const r = new Redis({ port: node.port, host: node.host });
            try {
              return await r.dbsize();
            } finally {
              r.disconnect();
            }
          }),
        );
        assert.deepEqual(after, [0, 0, 0]);
      } finally {
        await c.close();
      }
    });
  });
});

describe('RedisConnector.fromConfig', () => {
  it('refuses an unknown field instead of falling back to 127.0.0.1:6379', () => {
    assert.throws(
      () => RedisConnector.fromConfig({ nodes: [{ host: '127.0.0.1', port: 1 }] }),
      /Unknown option 'nodes' for a redis connector config/,
    );
  });
});
