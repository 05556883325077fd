// Parts of CASES.md that the case tests pin at the proxy level only, checked
// here through a real store: C20 with a codec that rebuilds the class, and
// C05's "a failed resolve is not cached: the next access retries".
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
  extract,
  isResolved,
  LocalStore,
  ProxyResolveError,
  registerCodec,
  reviveProxies,
  resolve,
  SerializationError,
} from '../../src/index.js';

class Counter {
  #count: number;

  constructor(count = 0) {
    this.#count = count;
  }

  inc(): number {
    this.#count += 1;
    return this.#count;
  }

  get count(): number {
    return this.#count;
  }
}

registerCodec('hardening/counter', {
  serializer: (value) => Buffer.from(String((value as Counter).count)),
  deserializer: (data) => new Counter(Number(Buffer.from(data).toString())),
});

describe('C20 through a store with a codec that rebuilds the class', () => {
  for (const cacheSize of [0, 16]) {
    it(`p.inc() is 1 and p.count is 1; a revived proxy (cache ${cacheSize})`, async () => {
      const store = new LocalStore(`hardening-c20-${process.pid}-${cacheSize}`, {
        serializer: 'hardening/counter',
        deserializer: 'hardening/counter',
        cacheSize,
      });
      const p = await store.proxy(new Counter(), { populateTarget: false });

      assert.equal(p.inc(), 1);
      assert.equal(p.count, 1);
      assert.equal(p.inc, p.inc);
      assert.ok(extract(p) instanceof Counter);

      // Another proxy of the key in this process: with a cache it shares the
      // cached object (documented on StoreOptions.cacheSize), without one it
      // reads the stored state (count 0).
      const q = JSON.parse(JSON.stringify({ q: p }), reviveProxies).q as Counter;
      const expected = cacheSize === 0 ? 1 : 2;
      assert.equal(q.inc(), expected);
      assert.equal(q.count, expected);
      assert.equal(extract(q) === extract(p), cacheSize !== 0);
      await store.close();
    });
  }
});

describe('C05 through a store: a failed resolve is retried, never cached', () => {
  it('a deserializer failing once: the first access throws, the next works', async () => {
    let calls = 0;
    const flaky = (data: Uint8Array): unknown => {
      calls += 1;
      if (calls === 1) throw new TypeError('boom');
      return JSON.parse(Buffer.from(data).toString()) as unknown;
    };
    const store = new LocalStore(`hardening-c05-${process.pid}`);
    const key = await store.put([1, 2, 3], {
      serializer: (v) => Buffer.from(JSON.stringify(v)),
    });
    const p = store.proxyFromKey<number[]>(key, { deserializer: flaky, kind: 'array' });

    assert.throws(
      () => p.length,
      (err: unknown) =>
        err instanceof ProxyResolveError &&
        err.cause instanceof SerializationError &&
        (err.cause.cause as Error).message === 'boom',
    );
    assert.equal(isResolved(p), false);
    assert.equal(p.length, 3);
    assert.equal(calls, 2);
    await store.close();
  });

  it('the same through await resolve(p)', async () => {
    let calls = 0;
    const flaky = (): unknown => {
      calls += 1;
      if (calls === 1) throw new Error('boom');
      return { ok: true };
    };
    const store = new LocalStore(`hardening-c05b-${process.pid}`);
    const key = await store.put('x');
    const p = store.proxyFromKey<{ ok: boolean }>(key, { deserializer: flaky });

    await assert.rejects(resolve(p), ProxyResolveError);
    await resolve(p);
    assert.equal(p.ok, true);
    assert.equal(calls, 2);
    await store.close();
  });
});
