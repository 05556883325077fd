import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { inspect } from 'node:util';

import {
  InvalidArgumentError,
  ProxyStoreError,
  SerializationError,
} from '../../src/errors.js';
import {
  createProxy,
  isLockerReference,
  isProxyReference,
  isResolved,
  ProxyLocker,
  referenceOf,
  type ProxyReference,
} from '../../src/proxy/index.js';
import { CountingFactory, TEST_REFERENCE } from './counting-factory.js';

function referencable<T>(make: () => T): { factory: CountingFactory<T>; p: T } {
  const factory = new CountingFactory(make, { reference: TEST_REFERENCE });
  return { factory, p: createProxy(factory, { kind: 'array' }) };
}

describe('referenceOf()', () => {
  it('gives kind and factory reference without resolving', () => {
    const { factory, p } = referencable(() => [1, 2]);

    assert.deepEqual(referenceOf(p), {
      $proxystore: 'proxy',
      v: 1,
      kind: 'array',
      factory: TEST_REFERENCE,
    });
    assert.equal(factory.calls, 0);
  });

  it('throws SerializationError when the factory has no toReference()', () => {
    const p = createProxy(() => ({}));
    assert.throws(
      () => referenceOf(p),
      (err: unknown) =>
        err instanceof SerializationError && /has no toReference\(\)/.test(err.message),
    );
  });

  it('wraps a failing toReference() in SerializationError', () => {
    const boom = new Error('config gone');
    const factory = new CountingFactory(() => ({}));
    Object.assign(factory, {
      toReference: () => {
        throw boom;
      },
    });

    assert.throws(
      () => referenceOf(createProxy(factory)),
      (err: unknown) => err instanceof SerializationError && err.cause === boom,
    );
  });

  it('rejects a value that is not a proxy', () => {
    assert.throws(() => referenceOf({}), InvalidArgumentError);
  });
});

describe('JSON.stringify of a proxy', () => {
  it('writes the reference, resolved or not, and never resolves', () => {
    const { factory, p } = referencable(() => [1, 2]);
    const expected = JSON.stringify(referenceOf(p));

    assert.equal(JSON.stringify(p), expected);
    assert.equal(JSON.stringify({ data: [p] }), `{"data":[${expected}]}`);
    assert.equal(factory.calls, 0);
    assert.equal(isResolved(p), false);
    const probe = p as unknown as { toJSON: unknown };
    assert.equal(probe.toJSON, probe.toJSON);

    assert.equal(p.length, 2);
    assert.equal(JSON.stringify(p), expected, 'still the reference once resolved');
  });

  it('forwards toJSON to the target when the factory has no reference', () => {
    const factory = new CountingFactory(() => ({ when: new Date(0), n: 1 }));
    const p = createProxy(factory);

    assert.equal(JSON.stringify(p), '{"when":"1970-01-01T00:00:00.000Z","n":1}');
    assert.equal(factory.syncCalls, 1);
  });

  it('forwards to a target with its own toJSON', () => {
    const p = createProxy(() => ({ toJSON: () => 'custom' }));
    assert.equal(JSON.stringify(p), '"custom"');
  });
});

describe('isProxyReference()', () => {
  const good: ProxyReference = {
    $proxystore: 'proxy',
    v: 1,
    kind: 'map',
    factory: { type: 'store', key: 'k' },
  };

  it('accepts the exact shape', () => {
    assert.equal(isProxyReference(good), true);
    assert.equal(isProxyReference(JSON.parse(JSON.stringify(good))), true);
  });

  it('rejects near misses', () => {
    const bad: unknown[] = [
      null,
      'x',
      [good],
      { ...good, $proxystore: 'locker' },
      { ...good, v: 2 },
      { ...good, kind: 'tuple' },
      { ...good, factory: null },
      { ...good, factory: { key: 'k' } },
      { ...good, factory: { type: 7 } },
      { ...good, extra: 1 },
      { $proxystore: 'proxy', v: 1, kind: 'map' },
      Object.assign(Object.create({ inherited: 1 }) as object, good),
    ];
    for (const value of bad) {
      assert.equal(isProxyReference(value), false, inspect(value));
    }
  });

  it('is false for a proxy, without resolving it', () => {
    const { factory, p } = referencable(() => good);
    assert.equal(isProxyReference(p), false);
    assert.equal(factory.calls, 0);
  });
});

describe('ProxyLocker', () => {
  it('unlock() returns the proxy without resolving it', () => {
    const { factory, p } = referencable(() => [1]);
    const locker = new ProxyLocker(p);

    assert.equal(locker.unlock(), p);
    assert.equal(factory.calls, 0);
  });

  it('refuses .proxy and ._proxy with a message naming unlock()', () => {
    const locker = new ProxyLocker(referencable(() => [1]).p);

    for (const read of [() => locker.proxy, () => locker._proxy]) {
      assert.throws(
        read,
        (err: unknown) =>
          err instanceof ProxyStoreError && /locker\.unlock\(\)/.test(err.message),
      );
    }
  });

  it('serializes to a locker reference without resolving', () => {
    const { factory, p } = referencable(() => [1]);
    const json = JSON.parse(JSON.stringify({ job: new ProxyLocker(p) })) as {
      job: unknown;
    };

    assert.deepEqual(json.job, { $proxystore: 'locker', proxy: referenceOf(p) });
    assert.equal(isLockerReference(json.job), true);
    assert.equal(factory.calls, 0);
  });

  it('cannot serialize a locker that holds a non-proxy', () => {
    assert.throws(() => JSON.stringify(new ProxyLocker(5)), SerializationError);
    assert.equal(new ProxyLocker(5).unlock(), 5);
  });

  it('inspects without touching the proxy', () => {
    const { factory, p } = referencable(() => [1]);

    assert.equal(
      inspect(new ProxyLocker(p)),
      'ProxyLocker<kind=array factory=CountingFactory>',
    );
    assert.equal(factory.calls, 0);
  });

  it('isLockerReference() rejects other shapes', () => {
    const proxy = referenceOf(referencable(() => [1]).p);
    assert.equal(isLockerReference({ $proxystore: 'locker', proxy }), true);
    assert.equal(isLockerReference({ $proxystore: 'locker', proxy, x: 1 }), false);
    assert.equal(isLockerReference({ $proxystore: 'locker', proxy: {} }), false);
    assert.equal(isLockerReference(proxy), false);
    assert.equal(isLockerReference(null), false);
  });
});
