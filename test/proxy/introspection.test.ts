// C04 (proxy level): identity operations do no I/O, value operations resolve
// exactly once, a populated proxy never calls its factory.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { inspect, types } from 'node:util';

import {
  createProxy,
  getFactory,
  getProxyKind,
  isProxy,
  referenceOf,
  type ProxyKind,
} from '../../src/proxy/index.js';
import { CountingFactory, TEST_REFERENCE } from './counting-factory.js';

class Foo {
  x = 1;
}

function counted<T>(make: () => T, kind: ProxyKind): {
  factory: CountingFactory<T>;
  p: T;
} {
  const factory = new CountingFactory(make, { reference: TEST_REFERENCE });
  return { factory, p: createProxy(factory, { kind }) };
}

describe('C04: identity operations do no I/O', () => {
  const identity: [string, (p: unknown) => unknown][] = [
    ['===', (p) => p === p],
    ['Set membership', (p) => new Set([p]).has(p)],
    ['Map key', (p) => new Map([[p, 1]]).get(p)],
    ['WeakMap key', (p) => new WeakMap([[p as object, 1]]).get(p as object)],
    ['typeof', (p) => typeof p],
    ['util.types.isProxy', (p) => types.isProxy(p)],
    ['isProxy', (p) => isProxy(p)],
    ['getFactory', (p) => getFactory(p)],
    ['getProxyKind', (p) => getProxyKind(p)],
    ['Array.isArray', (p) => Array.isArray(p)],
    ['referenceOf', (p) => referenceOf(p)],
    ['JSON.stringify', (p) => JSON.stringify({ p })],
    ['util.inspect', (p) => inspect(p)],
    ['Promise.resolve', (p) => Promise.resolve(p)],
    ['reading then', (p) => (p as { then?: unknown }).then],
    ['storing in an array', (p) => [p, p].length],
  ];

  for (const kind of ['instance', 'object', 'array', 'function'] as const) {
    it(`for a proxy of kind '${kind}'`, () => {
      const { factory, p } = counted(() => new Foo(), kind);
      for (const [label, op] of identity) {
        op(p);
        assert.equal(factory.calls, 0, label);
      }
    });
  }

  it('returning the proxy from an async function', async () => {
    const { factory, p } = counted(() => new Foo(), 'instance');
    const made = await (async () => p)();

    assert.equal(made, p);
    assert.equal(factory.calls, 0);
  });
});

describe('C04: kind metadata answers type checks without I/O', () => {
  it('instanceof and toString tags of built-in kinds', () => {
    const { factory, p } = counted(() => new Map([[1, 2]]), 'map');

    assert.equal(p instanceof Map, true);
    assert.equal(p instanceof Object, true);
    assert.equal(Object.prototype.toString.call(p), '[object Map]');
    assert.equal(p.constructor, Map);
    assert.equal(Object.getPrototypeOf(p), Map.prototype);
    assert.equal(factory.calls, 0);
  });

  it("instanceof Object for the 'object' kind", () => {
    const { factory, p } = counted(() => ({ a: 1 }), 'object');
    assert.equal(p instanceof Object, true);
    assert.equal(factory.calls, 0);
  });

  it('a null-prototype object reports Object.prototype until resolved (documented)', () => {
    const { p } = counted(() => Object.create(null) as object, 'object');
    assert.equal(Object.getPrototypeOf(p), Object.prototype);
    assert.equal(Object.keys(p).length, 0);
    assert.equal(Object.getPrototypeOf(p), null);
  });
});

describe('C04: value operations resolve exactly once', () => {
  const values: [string, (p: Foo) => unknown][] = [
    ['instanceof a class', (p) => p instanceof Foo],
    ['Object.prototype.toString', (p) => Object.prototype.toString.call(p)],
    ['String(p)', (p) => String(p)],
    ['a property read', (p) => p.x],
    ['Object.keys', (p) => Object.keys(p)],
    ['spread', (p) => ({ ...p })],
    ['in', (p) => 'x' in p],
    ['constructor', (p) => p.constructor],
  ];

  for (const [label, op] of values) {
    it(`${label}, then everything is local`, () => {
      const { factory, p } = counted(() => new Foo(), 'instance');

      op(p);
      assert.equal(factory.syncCalls, 1);
      for (const [, other] of values) other(p);
      assert.equal(factory.calls, 1);
    });
  }

  it('answers are those of the target', () => {
    const { p } = counted(() => new Foo(), 'instance');
    assert.equal(p instanceof Foo, true);
    assert.equal(Object.prototype.toString.call(p), '[object Object]');
    assert.equal(String(p), '[object Object]');
    assert.equal(p.constructor, Foo);
  });
});

describe('C04: a populated proxy never calls its factory', () => {
  it('for identity and value operations alike', () => {
    const factory = new CountingFactory(() => new Foo(), { reference: TEST_REFERENCE });
    const p = createProxy(factory, { target: new Foo() });

    assert.equal(getProxyKind(p), 'instance');
    assert.equal(p instanceof Foo, true);
    assert.equal(p.x, 1);
    assert.deepEqual({ ...p }, { x: 1 });
    assert.equal(JSON.stringify(p), JSON.stringify(referenceOf(p)));
    assert.equal(inspect(p), 'Foo { x: 1 }');
    assert.equal(factory.calls, 0);
  });
});
