import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
  createProxy,
  getFactory,
  getStore,
  isProxy,
  isResolved,
  LocalStore,
  NonProxiableTypeError,
  ProxyLocker,
  ProxyResolveMissingKeyError,
  ProxyStoreFactoryError,
  resolve,
  reviveProxies,
  Store,
  StoreFactory,
  unregisterStore,
} from '../../src/index.js';
import { CountingConnector } from '../helpers/counting-connector.js';

let n = 0;
const name = (p: string): string => `${p}-${process.pid}-${++n}`;

describe('Store proxies', () => {
  it('proxy() returns a proxy resolved to the object itself (populateTarget)', async () => {
    const connector = new CountingConnector();
    const store = new Store(name('pop'), connector);
    const obj = { a: [1, 2] };
    const p = await store.proxy(obj);
    assert.ok(isProxy(p));
    assert.ok(isResolved(p));
    assert.deepEqual(p.a, [1, 2]);
    assert.equal(connector.reads, 0, 'a populated proxy reads nothing');
  });

  it('populateTarget: false makes an unresolved proxy that resolves once', async () => {
    const connector = new CountingConnector();
    const store = new Store(name('lazy'), connector, { register: true });
    const p = await store.proxy({ a: 1 }, { populateTarget: false });
    assert.equal(isResolved(p), false);
    assert.equal(p.a, 1);
    assert.equal(p.a, 1);
    assert.equal(connector.reads, 1);
    await store.close();
  });

  it('a proxy resolves elsewhere from its JSON reference alone', async () => {
    const store = new LocalStore(name('json'), { register: true });
    const p = await store.proxy([1, 2, 3]);
    const text = JSON.stringify({ data: p });
    assert.ok(text.length < 1024);
    const back = JSON.parse(text, reviveProxies) as { data: number[] };
    assert.ok(isProxy(back.data));
    assert.equal(isResolved(back.data), false);
    assert.ok(Array.isArray(back.data));
    assert.deepEqual([...back.data], [1, 2, 3]);
    await store.close();
  });

  it('evict: true removes the object once a consumer resolves it', async () => {
    const store = new LocalStore(name('evict'), { register: true });
    const p = await store.proxy({ v: 42 }, { evict: true });
    const factory = getFactory(p) as StoreFactory;
    // Handed on intact (the producer's populated proxy never resolved):
    const consumer = JSON.parse(JSON.stringify(p), reviveProxies) as { v: number };
    assert.equal(consumer.v, 42);
    await new Promise((r) => setImmediate(r));
    assert.equal(await store.exists(factory.key as never), false);
    await store.close();
  });

  it('a missing key raises ProxyResolveMissingKeyError naming key, store and kind', async () => {
    const store = new LocalStore(name('miss'), { register: true });
    const key = await store.put('x');
    await store.evict(key);
    const p = store.proxyFromKey<string[]>(key, { kind: 'array' });
    assert.ok(Array.isArray(p));
    assert.throws(
      () => p.length,
      (err: unknown) =>
        err instanceof ProxyResolveMissingKeyError &&
        err.storeName === store.name &&
        err.connectorKind === 'local' &&
        err.key === key,
    );
    await assert.rejects(resolve(p), ProxyResolveMissingKeyError);
    await store.close();
  });

  it('a proxy of a stored null resolves to null (not a missing key)', async () => {
    const store = new LocalStore(name('null'), { register: true });
    const key = await store.put(null);
    const f = new StoreFactory(key, store.config());
    assert.equal(await f.resolve(), null);
    assert.equal(f.resolveSync(), null);
    await store.close();
  });

  it('proxyBatch passes non-proxiables through at their indices with skipNonProxiable', async () => {
    const store = new LocalStore(name('batch'));
    const out = await store.proxyBatch([{ a: 1 }, null, [2], false], { skipNonProxiable: true });
    assert.ok(isProxy(out[0]));
    assert.equal(out[1], null);
    assert.ok(isProxy(out[2]));
    assert.equal(out[3], false);
    await assert.rejects(store.proxyBatch([{ a: 1 }, null]), NonProxiableTypeError);
  });

  it('lockedProxy wraps the proxy until unlock()', async () => {
    const store = new LocalStore(name('locked'));
    const locker = await store.lockedProxy({ secret: 1 });
    assert.ok(locker instanceof ProxyLocker);
    const p = locker.unlock();
    assert.ok(isProxy(p));
    assert.equal(p.secret, 1);
  });

  it('getStore(proxy) finds or rebuilds the store; non-store proxies raise', async () => {
    const store = new LocalStore(name('get'), { register: true });
    const p = await store.proxy({ a: 1 });
    assert.equal(getStore(p), store);
    unregisterStore(store.name);
    const rebuilt = getStore(p);
    assert.ok(rebuilt instanceof Store);
    assert.equal(getStore(store.name), rebuilt);
    assert.throws(() => getStore(createProxy(() => ({ x: 1 }))), ProxyStoreFactoryError);
    unregisterStore(store.name);
  });

  it('refuses to resolve through a same-named store with another backend', async () => {
    const local = new LocalStore(name('clash'));
    const p = await local.proxy({ a: 1 }, { populateTarget: false });
    const { FileStore } = await import('../../src/index.js');
    const { mkdtempSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const dir = mkdtempSync(join(tmpdir(), 'ps-clash-'));
    const other = new FileStore(local.name, { storeDir: dir, register: true });
    assert.throws(() => p.a, /different names/);
    await other.close({ clear: true });
    rmSync(dir, { recursive: true, force: true });
  });
});
