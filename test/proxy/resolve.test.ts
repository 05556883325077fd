import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setImmediate as tick } from 'node:timers/promises';

import {
  ProxyResolveError,
  ProxyResolveMissingKeyError,
} from '../../src/errors.js';
import {
  createProxy,
  extract,
  isResolved,
  resolve,
  resolveAsync,
} from '../../src/proxy/index.js';
import { CountingFactory } from './counting-factory.js';

const isResolveError =
  (cause: unknown) =>
  (err: unknown): boolean =>
    err instanceof ProxyResolveError && err.cause === cause;

describe('resolve()', { timeout: 10_000 }, () => {
  it('uses the async path only, then every access is local', async () => {
    const factory = new CountingFactory(() => ({ a: 1 }));
    const p = createProxy(factory);

    await resolve(p);
    assert.equal(isResolved(p), true);
    assert.equal(p.a, 1);
    assert.equal(factory.asyncCalls, 1);
    assert.equal(factory.syncCalls, 0);
  });

  it('is a no-op on a resolved proxy', async () => {
    const factory = new CountingFactory(() => ({}));
    const p = createProxy(factory, { target: {} });

    await resolve(p);
    assert.equal(factory.calls, 0);
  });

  it('shares one in-flight fetch between concurrent calls', async () => {
    const factory = new CountingFactory(() => ({ a: 1 }));
    factory.hold();
    const p = createProxy(factory);

    const first = resolve(p);
    const second = resolve(p);
    assert.equal(first, second);
    await tick();
    factory.release();

    await Promise.all([first, second]);
    assert.equal(factory.asyncCalls, 1);
    assert.equal(p.a, 1);
  });

  it('rejects with ProxyResolveError carrying the cause, and retries next time', async () => {
    const boom = new Error('disk on fire');
    const factory = new CountingFactory(() => ({ a: 1 }), { error: boom });
    const p = createProxy(factory);

    await assert.rejects(resolve(p), isResolveError(boom));
    assert.equal(isResolved(p), false);

    factory.failWith(undefined);
    await resolve(p);
    assert.equal(p.a, 1);
    assert.equal(factory.asyncCalls, 2);
  });

  it('rethrows a ProxyResolveError subclass from the factory as is', async () => {
    const missing = new ProxyResolveMissingKeyError('k1', 'store', 'local');
    const p = createProxy(new CountingFactory(() => ({}), { error: missing }));

    await assert.rejects(resolve(p), (err) => err === missing);
    assert.throws(() => extract(p), (err) => err === missing);
  });

  it('rejects (does not throw) for a non-proxy', async () => {
    const pending = resolve({});
    assert.ok(pending instanceof Promise);
    await assert.rejects(pending, /resolve\(\) takes a proxy/);
  });
});

describe('implicit (sync) resolution', () => {
  it('wraps a factory error in ProxyResolveError with cause, from any trap', () => {
    const boom = new TypeError('bad bytes');
    const factory = new CountingFactory<Record<string, unknown>>(() => ({}), {
      error: boom,
    });
    const p = createProxy(factory, { kind: 'instance' });

    const uses: [string, () => unknown][] = [
      ['get', () => p['a']],
      ['set', () => (p['a'] = 1)],
      ['has', () => 'a' in p],
      ['ownKeys', () => Object.keys(p)],
      ['delete', () => delete p['a']],
      ['getPrototypeOf of an instance', () => p instanceof Date],
      ['spread', () => ({ ...p })],
    ];
    for (const [label, use] of uses) {
      assert.throws(use, isResolveError(boom), label);
    }
    assert.equal(factory.syncCalls, uses.length, 'each access retried');
  });

  it('does not cache a failure: the next access retries and can succeed', () => {
    const factory = new CountingFactory(() => ({ a: 7 }), { error: new Error('x') });
    const p = createProxy(factory);

    assert.throws(() => p.a, ProxyResolveError);
    assert.throws(() => p.a, ProxyResolveError);
    factory.failWith(undefined);
    assert.equal(p.a, 7);
    assert.equal(factory.syncCalls, 3);
  });

  it('wraps a thrown non-Error value too', () => {
    const p = createProxy(new CountingFactory(() => ({}), { error: 'just a string' }));

    assert.throws(
      () => extract(p),
      (err: unknown) =>
        err instanceof ProxyResolveError &&
        err.cause === 'just a string' &&
        err.message.includes('just a string'),
    );
  });

  it('refuses a factory that touches its own proxy while resolving', () => {
    // The factory reads the proxy it resolves: without a guard this recurses.
    const holder: { p?: { a: number } } = {};
    const p = createProxy(() => ({ a: holder.p?.a ?? 0 }));
    holder.p = p;

    assert.throws(
      () => p.a,
      (err: unknown) =>
        err instanceof ProxyResolveError &&
        /must not touch the proxy it resolves/.test(err.message),
    );
  });
});

describe('resolveAsync()', { timeout: 10_000 }, () => {
  it('resolves in the background through the async path', async () => {
    const factory = new CountingFactory(() => ({ a: 3 }));
    const p = createProxy(factory);

    assert.equal(resolveAsync(p), undefined);
    assert.equal(isResolved(p), false);
    await resolve(p); // joins the in-flight fetch

    assert.equal(p.a, 3);
    assert.equal(factory.asyncCalls, 1);
    assert.equal(factory.syncCalls, 0);
  });

  it('keeps a failure for the next access instead of an unhandled rejection', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown): void => {
      unhandled.push(reason);
    };
    process.on('unhandledRejection', onUnhandled);

    try {
      const boom = new Error('network down');
      const factory = new CountingFactory(() => ({ a: 1 }), { error: boom });
      const p = createProxy(factory);

      resolveAsync(p);
      await tick();
      await tick();
      assert.equal(isResolved(p), false);

      // The next access throws the kept error, without calling the factory.
      assert.throws(() => p.a, isResolveError(boom));
      assert.equal(factory.syncCalls, 0);

      // The access after that retries.
      factory.failWith(undefined);
      assert.equal(p.a, 1);
      assert.equal(factory.syncCalls, 1);
      await tick();
      assert.deepEqual(unhandled, []);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });

  it('lets a sync access in flight resolve on its own; the late result is dropped', async () => {
    let n = 0;
    const factory = new CountingFactory(() => ({ n: ++n }));
    factory.hold();
    const p = createProxy(factory);

    resolveAsync(p);
    await tick();
    assert.equal(p.n, 1, 'the sync access did not wait for the held fetch');
    assert.equal(factory.syncCalls, 1);

    factory.release();
    await tick(); // lets the released fetch run to its end
    assert.equal(n, 2, 'the background fetch did finish');
    assert.equal(p.n, 1, 'its late result did not replace the target');
  });

  it('is a no-op on a resolved proxy', () => {
    const factory = new CountingFactory(() => ({}));
    resolveAsync(createProxy(factory, { target: {} }));
    assert.equal(factory.calls, 0);
  });
});
