// An evict through any Store instance of one store (same name, same backend)
// in this process is seen by every other instance of it, and a failed fetch
// never stays in the table of shared fetches.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';

import {
  FileStore,
  LocalConnector,
  LocalStore,
  ProxyResolveMissingKeyError,
  Store,
  getFactory,
  reviveProxies,
  type LocalKey,
} from '../../src/index.js';

let counter = 0;
function name(prefix: string): string {
  counter += 1;
  return `hardening-${prefix}-${process.pid}-${counter}`;
}

describe('evict is seen by every instance of a store', { timeout: 30_000 }, () => {
  it('a proxy from an unregistered LocalStore misses after store.evict', async () => {
    const store = new LocalStore(name('local'));
    const key = await store.put({ v: 1 });

    const first = store.proxyFromKey<{ v: number }>(key);
    assert.equal(first.v, 1); // resolves through a store rebuilt from config

    await store.evict(key);
    const second = store.proxyFromKey<{ v: number }>(key);
    assert.throws(() => second.v, ProxyResolveMissingKeyError);
    await store.close();
  });

  it('a proxy from an unregistered FileStore misses after store.evict', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ps-hardening-'));
    const store = new FileStore(name('file'), { storeDir: dir });
    try {
      const key = await store.put({ v: 2 });
      assert.equal(store.proxyFromKey<{ v: number }>(key).v, 2);

      await store.evict(key);
      const again = store.proxyFromKey<{ v: number }>(key);
      assert.throws(() => again.v, ProxyResolveMissingKeyError);
    } finally {
      await store.close({ clear: true });
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("a consumer's evict: true clears the producer store's cache", async () => {
    const store = new LocalStore(name('evict-true'));
    const p = await store.proxy({ v: 3 }, { evict: true });
    const key = (getFactory(p) as unknown as { key: LocalKey }).key;
    assert.deepEqual(await store.get(key), { v: 3 }); // now cached here

    const text = JSON.stringify({ p });
    const consumer = (JSON.parse(text, reviveProxies) as { p: { v: number } }).p;
    assert.equal(consumer.v, 3);
    await new Promise((r) => setImmediate(r));

    assert.equal(store.isCached(key), false);
    assert.equal(await store.exists(key), false);
    assert.equal(await store.get(key), null);
    await store.close();
  });

  it('stores of another backend under the same name keep their cache', async () => {
    const shared = name('other');
    const a = new LocalStore(shared);
    const other = new LocalConnector(); // another map: another backend
    const b = new Store(shared, other);
    const ka = await a.put({ v: 'a' });
    await other.set(ka, (await a.connector.get(ka)) as Uint8Array);
    assert.deepEqual(await b.get(ka), { v: 'a' });

    await a.evict(ka);
    assert.equal(b.isCached(ka), true);
    await a.close();
    await b.close();
  });
});

/** A connector whose get throws synchronously the first time. */
class ThrowsOnceConnector extends LocalConnector {
  gets = 0;

  override get(key: LocalKey): Promise<Uint8Array | null> {
    this.gets += 1;
    if (this.gets === 1) throw new Error('sync failure');
    return super.get(key);
  }
}

describe('a failed fetch is not kept as a shared fetch', () => {
  it('a connector get that throws synchronously fails once, then get retries', async () => {
    const connector = new ThrowsOnceConnector();
    const store = new Store(name('sync-throw'), connector);
    const key = await store.put({ v: 4 });

    await assert.rejects(store.get(key), /sync failure/);
    assert.deepEqual(await store.get(key), { v: 4 });
    assert.equal(connector.gets, 2);
    await store.close();
  });
});
