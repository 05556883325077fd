import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { inspect } from 'node:util';

import {
  FileStore,
  InvalidArgumentError,
  LocalStore,
  SerializationError,
  Store,
  getOrCreateStore,
  getStore,
  registerStore,
  unregisterStore,
  StoreExistsError,
} from '../../src/index.js';
import { CountingConnector } from '../helpers/counting-connector.js';

let counter = 0;
function uniqueName(prefix: string): string {
  counter += 1;
  return `${prefix}-${process.pid}-${counter}`;
}

describe('Store', () => {
  describe('constructor', () => {
    it('rejects a negative or fractional cache size with a typed error', () => {
      assert.throws(() => new LocalStore('x', { cacheSize: -1 }), InvalidArgumentError);
      assert.throws(() => new LocalStore('x', { cacheSize: 1.5 }), /cacheSize/);
    });

    it('rejects an empty name and a missing connector', () => {
      assert.throws(() => new LocalStore(''), /name/);
      assert.throws(
        () => new Store('x', undefined as never),
        (err: unknown) => err instanceof InvalidArgumentError && /connector/.test(err.message),
      );
    });
  });

  describe('put() / get() / exists() / evict()', () => {
    const values: [string, unknown][] = [
      ['bytes', Buffer.from('abc')],
      ['string', 'hello'],
      ['array', [1, 2, 3]],
      ['object', { a: 1, nested: { b: [true, null] } }],
      ['map', new Map([[1, 'a']])],
      ['bigint', 2n ** 80n],
    ];
    for (const [label, value] of values) {
      it(`round-trips ${label}`, async () => {
        const store = new LocalStore(uniqueName('rt'));
        const key = await store.put(value);
        assert.deepEqual(await store.get(key), value);
        assert.equal(await store.exists(key), true);
        await store.evict(key);
        assert.equal(await store.exists(key), false);
        assert.equal(store.isCached(key), false);
        assert.equal(await store.get(key), null);
      });
    }

    it('stores null as a value distinct from a missing key', async () => {
      const store = new LocalStore(uniqueName('null'));
      const key = await store.put(null);
      const MISSING = Symbol('missing');
      assert.equal(await store.get(key, { default: MISSING }), null);
      await store.evict(key);
      assert.equal(await store.get(key, { default: MISSING }), MISSING);
    });

    it('returns the default for a missing key and evicts twice without error', async () => {
      const store = new LocalStore(uniqueName('missing'));
      const key = await store.put('x');
      await store.evict(key);
      await store.evict(key);
      assert.equal(await store.get(key, { default: 'dflt' }), 'dflt');
    });

    it('caches on get: a second get reads no bytes', async () => {
      const connector = new CountingConnector();
      const store = new Store(uniqueName('cache'), connector, { cacheSize: 1 });
      const k1 = await store.put([1]);
      await store.get(k1);
      await store.get(k1);
      assert.equal(connector.gets, 1);
      assert.equal(store.isCached(k1), true);
      assert.equal(await store.exists(k1), true);

      const k2 = await store.put([2]);
      await store.get(k2);
      assert.equal(store.isCached(k1), false, 'size 1: k2 displaced k1');
    });

    it('with cacheSize 0 never caches', async () => {
      const connector = new CountingConnector();
      const store = new Store(uniqueName('nocache'), connector, { cacheSize: 0 });
      const key = await store.put('v');
      await store.get(key);
      await store.get(key);
      assert.equal(connector.gets, 2);
    });

    it('shares one fetch between concurrent gets of a key', async () => {
      const connector = new CountingConnector();
      const store = new Store(uniqueName('share'), connector);
      const key = await store.put({ big: 'x'.repeat(1000) });
      connector.hold();
      const gets = [store.get(key), store.get(key), store.get(key)];
      connector.release();
      const [a, b, c] = await Promise.all(gets);
      assert.equal(connector.gets, 1);
      assert.equal(a, b);
      assert.equal(b, c);
    });

    it('does not put back a value whose fetch finishes after an evict', async () => {
      const connector = new CountingConnector();
      const store = new Store(uniqueName('race'), connector);
      const key = await store.put('stale');
      connector.hold();
      const pending = store.get(key);
      await new Promise((r) => setImmediate(r));
      const evicting = store.evict(key);
      connector.release();
      await Promise.all([pending, evicting]);
      assert.equal(store.isCached(key), false);
      assert.equal(await store.get(key), null);
    });

    it('putBatch keeps order and an empty batch does no I/O', async () => {
      const connector = new CountingConnector();
      const store = new Store(uniqueName('batch'), connector);
      const keys = await store.putBatch(['a', 'b', null, { c: 1 }]);
      assert.deepEqual(
        await Promise.all(keys.map((k) => store.get(k))),
        ['a', 'b', null, { c: 1 }],
      );
      assert.deepEqual(await store.putBatch([]), []);
    });
  });

  describe('serializers', () => {
    it('raises a TypeError when a serializer does not return bytes, before writing', async () => {
      const connector = new CountingConnector();
      const store = new Store(uniqueName('ser'), connector);
      await assert.rejects(
        store.put('x', { serializer: (() => 'not bytes') as never }),
        (err: unknown) => err instanceof TypeError || err instanceof SerializationError,
      );
      assert.equal(connector.puts, 0);
    });

    it('wraps a failing deserializer in SerializationError with the key and cause', async () => {
      const store = new LocalStore(uniqueName('deser'));
      const key = await store.put([1, 2, 3]);
      const boom = new TypeError('boom');
      await assert.rejects(
        store.get(key, {
          deserializer: () => {
            throw boom;
          },
        }),
        (err: unknown) =>
          err instanceof SerializationError && err.cause === boom && err.key === key,
      );
    });
  });

  describe('config() / fromConfig()', () => {
    it('is JSON-safe and rebuilds a store that reads the same objects', async () => {
      const store = new LocalStore(uniqueName('cfg'), { cacheSize: 3, metrics: true });
      const key = await store.put({ v: 1 });
      const config = JSON.parse(JSON.stringify(store.config()));
      const rebuilt = Store.fromConfig(config);
      assert.equal(rebuilt.cache.maxSize, 3);
      assert.ok(rebuilt.metrics !== undefined);
      assert.deepEqual(await rebuilt.get(key), { v: 1 });
    });
  });

  describe('close()', () => {
    it('is idempotent, unregisters a self-registered store and supports await using', async () => {
      const name = uniqueName('close');
      {
        await using store = new LocalStore(name, { register: true });
        assert.equal(getStore(name), store);
      }
      assert.equal(getStore(name), undefined);
      const again = new LocalStore(name);
      await again.close();
      await again.close();
    });
  });

  describe('metrics', () => {
    it('records counts, times and sizes per key when on, nothing when off', async () => {
      const store = new LocalStore(uniqueName('metrics'), { metrics: true });
      const key = await store.put('abc');
      await store.get(key);
      await store.get(key);
      const m = store.metrics?.get(JSON.stringify(key));
      assert.ok(m !== undefined);
      assert.equal(m.counters['store.get.cache_hits'], 1);
      assert.equal(m.counters['store.get.cache_misses'], 1);
      assert.equal(m.sizes['store.put.object_size'], 'US\nabc'.length);
      assert.equal(m.times['store.put']?.count, 1);
      assert.equal(new LocalStore(uniqueName('off')).metrics, undefined);
      assert.match(inspect(store.metrics), /store\.get\.cache_hits/);
      assert.ok(JSON.stringify(store.metrics).includes('store.put.object_size'));
    });
  });
});

describe('registry', () => {
  it('registerStore raises StoreExistsError on a duplicate unless existOk', () => {
    const name = uniqueName('reg');
    const a = new LocalStore(name);
    const b = new LocalStore(name);
    registerStore(a);
    assert.throws(() => registerStore(b), StoreExistsError);
    registerStore(b, true);
    assert.equal(getStore(name), b);
    unregisterStore(name);
    assert.equal(getStore(name), undefined);
  });

  it('unregisterStore of an unknown name is a no-op; getStore returns undefined', () => {
    unregisterStore(uniqueName('nobody'));
    assert.equal(getStore(uniqueName('nobody')), undefined);
  });

  it('getOrCreateStore returns the registered store or builds and registers one', async () => {
    const store = new LocalStore(uniqueName('goc'));
    const config = store.config();
    const built = getOrCreateStore(config);
    assert.notEqual(built, store);
    assert.equal(getStore(config.name), built);
    assert.equal(getOrCreateStore(config), built);
    unregisterStore(config.name);
  });
});

describe('newcomer mistakes', () => {
  it('a misspelled option is rejected with a suggestion, never ignored', () => {
    assert.throws(
      () => new LocalStore('typo', { cache_size: 4 } as never),
      (err: unknown) =>
        err instanceof InvalidArgumentError &&
        /Unknown option 'cache_size'/.test(err.message) &&
        /Did you mean 'cacheSize'/.test(err.message),
    );
    assert.throws(
      () => new FileStore('typo', { store_dir: '/tmp/x' } as never),
      /Unknown option 'store_dir' for FileStore\. Did you mean 'storeDir'/,
    );
    assert.throws(() => new LocalStore('typo', { evcit: true } as never), /Unknown option 'evcit'/);
  });

  it('a key that is still a Promise gets a hint to await put()', async () => {
    const store = new LocalStore(uniqueName('await'));
    const pending = store.put('x');
    await assert.rejects(store.get(pending as never), /put\(\) is async, so await it/);
    await pending;
  });

  it('writes to a closed store fail with a clear error', async () => {
    const store = new LocalStore(uniqueName('closed'));
    await store.close();
    await assert.rejects(store.put('x'), /it was closed/);
    await assert.rejects(store.proxy({ a: 1 }), /it was closed/);
  });

  it('NonProxiableTypeError says what to do for numbers and strings', async () => {
    const store = new LocalStore(uniqueName('np'));
    await assert.rejects(store.proxy(42), /boxPrimitives: true/);
  });
});
