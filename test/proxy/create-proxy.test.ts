import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { types } from 'node:util';

import { InvalidArgumentError } from '../../src/errors.js';
import {
  createProxy,
  extract,
  getFactory,
  getProxyKind,
  isProxy,
  isResolved,
  SimpleFactory,
  unresolveProxy,
  type ProxyKind,
} from '../../src/proxy/index.js';
import { CountingFactory } from './counting-factory.js';

describe('createProxy()', () => {
  it('wraps a function in a SimpleFactory and calls it on first use', () => {
    let calls = 0;
    const p = createProxy(() => {
      calls += 1;
      return { a: 1 };
    });

    assert.ok(getFactory(p) instanceof SimpleFactory);
    assert.equal(calls, 0);
    assert.equal(p.a, 1);
    assert.equal(p.a, 1);
    assert.equal(calls, 1);
  });

  it('uses a Factory as given', () => {
    const factory = new CountingFactory(() => ({ a: 2 }));
    const p = createProxy(factory);

    assert.equal(getFactory(p), factory);
    assert.equal(p.a, 2);
    assert.equal(factory.syncCalls, 1);
    assert.equal(factory.asyncCalls, 0);
  });

  it('rejects a value that is neither a Factory nor a function', () => {
    for (const bad of [null, 42, 'f', { resolveSync() {} }]) {
      assert.throws(
        () => createProxy(bad as never),
        (err: unknown) =>
          err instanceof InvalidArgumentError &&
          err.argument === 'factory' &&
          /createProxy\(\) takes a Factory/.test(err.message),
      );
    }
  });

  it('rejects an unknown kind', () => {
    assert.throws(
      () => createProxy(() => 1, { kind: 'tuple' as ProxyKind }),
      (err: unknown) => err instanceof InvalidArgumentError && err.argument === 'kind',
    );
  });

  it('defaults the kind to object without a target', () => {
    const p = createProxy(() => [1]);
    assert.equal(getProxyKind(p), 'object');
    assert.equal(Array.isArray(p), false);
  });

  it('takes the kind from the target when one is given', () => {
    const p = createProxy(() => [9], { target: [1, 2] });
    assert.equal(getProxyKind(p), 'array');
    assert.equal(Array.isArray(p), true);
  });

  it('lets an explicit kind win over the target', () => {
    const p = createProxy(() => [9], { target: [1, 2], kind: 'instance' });
    assert.equal(getProxyKind(p), 'instance');
  });

  it('starts resolved with the given target and never calls the factory', () => {
    const target = { a: 1 };
    const factory = new CountingFactory(() => ({ a: 9 }));
    const p = createProxy(factory, { target });

    assert.equal(isResolved(p), true);
    assert.equal(extract(p), target);
    p.a = 5;
    assert.equal(target.a, 5);
    assert.equal(factory.calls, 0);
  });

  it('accepts undefined as an explicit target', () => {
    const p = createProxy<unknown>(() => 1, { target: undefined });
    assert.equal(isResolved(p), true);
    assert.equal(extract(p), undefined);
  });

  it('makes a real Proxy, distinct per call', () => {
    const factory = new CountingFactory(() => ({}));
    const p = createProxy(factory);
    const q = createProxy(factory);

    assert.ok(types.isProxy(p));
    assert.notEqual(p, q);
    assert.equal(factory.calls, 0);
  });
});

describe('proxy helpers', () => {
  it('isProxy() is true only for proxies made here', () => {
    assert.equal(isProxy(createProxy(() => ({}))), true);
    assert.equal(isProxy(new Proxy({}, {})), false);
    for (const value of [null, undefined, 1, 'x', {}, () => 1]) {
      assert.equal(isProxy(value), false);
    }
  });

  it('extract() returns a non-proxy as is', () => {
    const obj = { a: 1 };
    assert.equal(extract(obj), obj);
    assert.equal(extract(3), 3);
    assert.equal(extract(null), null);
  });

  it('extract() resolves and returns the target itself', () => {
    const target = new Map([[1, 2]]);
    const factory = new CountingFactory(() => target);
    const p = createProxy(factory, { kind: 'map' });

    assert.equal(extract(p), target);
    assert.equal(extract(p), target);
    assert.equal(factory.syncCalls, 1);
    assert.ok(types.isMap(extract(p)));
  });

  it('extract() returns a primitive target unboxed', () => {
    const p = createProxy(() => 'text', { kind: 'string' });
    assert.equal(extract(p), 'text');
  });

  it('getFactory() and getProxyKind() do no I/O', () => {
    const factory = new CountingFactory(() => new Set([1]));
    const p = createProxy(factory, { kind: 'set' });

    assert.equal(getFactory(p), factory);
    assert.equal(getProxyKind(p), 'set');
    assert.equal(isResolved(p), false);
    assert.equal(factory.calls, 0);
  });

  it('helpers that need a proxy reject other values', () => {
    const helpers = [getFactory, getProxyKind, isResolved, unresolveProxy];
    for (const helper of helpers) {
      assert.throws(
        () => helper({ a: 1 }),
        (err: unknown) =>
          err instanceof InvalidArgumentError &&
          err.argument === 'proxy' &&
          err.message.includes(`${helper.name}()`),
      );
    }
  });

  it('unresolveProxy() drops the target; the next access calls the factory', () => {
    let n = 0;
    const factory = new CountingFactory(() => ({ n: ++n }));
    const p = createProxy(factory, { target: { n: 0 } });

    assert.equal(p.n, 0);
    unresolveProxy(p);
    assert.equal(isResolved(p), false);
    assert.equal(factory.calls, 0);

    assert.equal(p.n, 1);
    assert.equal(factory.syncCalls, 1);
    assert.equal(isResolved(p), true);
  });

  it('unresolveProxy() also forgets bound methods of the old target', () => {
    class Counter {
      constructor(readonly id: number) {}
      who(): number {
        return this.id;
      }
    }
    let n = 0;
    const p = createProxy(() => new Counter(++n), { kind: 'instance' });

    assert.equal(p.who(), 1);
    unresolveProxy(p);
    assert.equal(p.who(), 2);
  });
});
