// Proxies of unusual values: recording a value's kind never runs into the
// value's own errors, and a proxy of a proxy depends on the inner object
// (C25, upstream #215), as documented on Store.proxy.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
  extract,
  getFactory,
  getProxyKind,
  isProxy,
  kindOf,
  LocalStore,
  ProxyResolveError,
  ProxyResolveMissingKeyError,
} from '../../src/index.js';

class ThrowingThen {
  x = 1;

  get then(): never {
    throw new Error('not awaitable');
  }
}

function keyOf(proxy: unknown): { id: string } {
  return (getFactory(proxy) as unknown as { key: { id: string } }).key;
}

describe('kindOf never throws', () => {
  it("an instance whose then getter throws is an 'instance'", () => {
    assert.equal(kindOf(new ThrowingThen()), 'instance');
  });

  it("a revoked Proxy is an 'instance'", () => {
    const { proxy, revoke } = Proxy.revocable({}, {});
    revoke();
    assert.equal(kindOf(proxy), 'instance');
  });

  it('store.proxy() of such a value returns a proxy and stores it once', async () => {
    const map = new Map<string, Uint8Array>();
    const store = new LocalStore(`hardening-then-${process.pid}`, { storeMap: map });
    const p = await store.proxy(new ThrowingThen());

    assert.equal(getProxyKind(p), 'instance');
    assert.equal(p.x, 1);
    assert.equal((p as { then?: unknown }).then, undefined);
    assert.equal(await (async () => p)(), p);
    assert.equal(map.size, 1);
  });
});

describe('a proxy of a proxy (C25, #215)', () => {
  it('stores the inner reference; evicting the inner object breaks the outer', async () => {
    const store = new LocalStore(`hardening-pp-${process.pid}`, { cacheSize: 0 });
    const inner = await store.proxy({ v: [1, 2] });
    const outer = await store.proxy(inner, { populateTarget: false });

    assert.ok(isProxy(extract(outer)), "the outer's target is the inner proxy");
    assert.equal(outer.v[1], 2);

    await store.evict(keyOf(inner));
    const again = store.proxyFromKey<{ v: number[] }>(keyOf(outer));
    assert.throws(
      () => again.v,
      (err: unknown) =>
        err instanceof ProxyResolveError &&
        (err instanceof ProxyResolveMissingKeyError ||
          err.cause instanceof ProxyResolveMissingKeyError),
    );
  });
});
