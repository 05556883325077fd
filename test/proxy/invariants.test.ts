// Proxy invariants: non-configurable properties, frozen and sealed targets,
// Object.freeze(p), kind mismatches. None of these may throw a TypeError
// from the Proxy machinery.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { inspect } from 'node:util';

import { createProxy, extract, type ProxyKind } from '../../src/proxy/index.js';

function lazy<T>(make: () => T, kind?: ProxyKind): T {
  return kind === undefined ? createProxy(make) : createProxy(make, { kind });
}

describe('invariants: non-configurable and frozen targets', () => {
  it('reports a non-configurable property of the target', () => {
    const target = {};
    Object.defineProperty(target, 'x', { value: 1, enumerable: true });
    const p = lazy(() => target) as { x: number };

    assert.deepEqual(Object.getOwnPropertyDescriptor(p, 'x'), {
      value: 1,
      writable: false,
      enumerable: true,
      configurable: false,
    });
    assert.deepEqual(Object.keys(p), ['x']);
    assert.deepEqual({ ...p }, { x: 1 });
    assert.equal(p.x, 1);
  });

  it('handles a frozen object target', () => {
    const target = Object.freeze({ a: 1, f(): number { return 2; } });
    const p = lazy(() => target);

    assert.equal(Object.isFrozen(p), true);
    assert.deepEqual(Object.keys(p), ['a', 'f']);
    assert.equal(p.a, 1);
    // After the shell mirrored the frozen method, reads must give the real one.
    assert.equal(p.f, target.f);
    assert.equal(p.f(), 2);
    assert.throws(() => {
      (p as { a: number }).a = 5;
    }, TypeError);
    assert.equal(target.a, 1);
  });

  it('handles a sealed object target', () => {
    const target = Object.seal({ a: 1 });
    const p = lazy(() => target);

    assert.equal(Object.isSealed(p), true);
    assert.equal(Object.isFrozen(p), false);
    p.a = 2;
    assert.equal(target.a, 2);
    assert.equal(p.a, 2);
    assert.throws(() => delete (p as { a?: number }).a, TypeError);
  });

  it('handles a frozen array target behind an array shell', () => {
    const target = Object.freeze([1, 2, 3]);
    const p = lazy(() => target, 'array');

    assert.equal(Array.isArray(p), true);
    assert.equal(p.length, 3);
    assert.equal(JSON.stringify(p), '[1,2,3]');
    assert.deepEqual(Object.getOwnPropertyDescriptor(p, 'length'), {
      value: 3,
      writable: false,
      enumerable: false,
      configurable: false,
    });
    assert.equal(Object.isFrozen(p), true);
    assert.deepEqual([...p], [1, 2, 3]);
  });

  it('keeps array length right while the target grows and shrinks', () => {
    const target = [1];
    const p = lazy(() => target, 'array');

    assert.equal(Object.getOwnPropertyDescriptor(p, 'length')?.value, 1);
    p.push(2, 3);
    assert.equal(Object.getOwnPropertyDescriptor(p, 'length')?.value, 3);
    p.length = 1;
    assert.deepEqual(target, [1]);
    assert.deepEqual(Object.keys(p), ['0']);
    assert.equal(JSON.stringify(p), '[1]');
  });

  it("mirrors a class's non-configurable prototype", () => {
    class K {
      static s = 1;
    }
    const p = lazy(() => K, 'class');

    assert.deepEqual(Object.getOwnPropertyNames(p).sort(), ['length', 'name', 'prototype', 's']);
    assert.equal(Object.getOwnPropertyDescriptor(p, 'prototype')?.value, K.prototype);
    assert.deepEqual(Object.keys(p), ['s']);
    assert.equal(p.prototype, K.prototype);
  });
});

describe('invariants: Object.freeze / seal / preventExtensions on the proxy', () => {
  it('Object.freeze(p) freezes the target and keeps every read working', () => {
    const target = { a: 1, nested: { b: 2 } };
    const p = Object.freeze(lazy(() => target));

    assert.equal(Object.isFrozen(target), true);
    assert.equal(Object.isFrozen(p), true);
    assert.deepEqual(Object.keys(p), ['a', 'nested']);
    assert.equal(p.nested.b, 2);
    assert.throws(() => {
      (p as { a: number }).a = 3;
    }, TypeError);
    assert.equal(Object.getPrototypeOf(p), Object.prototype);
    assert.deepEqual(JSON.parse(JSON.stringify(p)), target);
  });

  it('Object.freeze(p) works for an array proxy', () => {
    const target = [1, 2];
    const p: number[] = lazy(() => target, 'array');
    Object.freeze(p);

    assert.equal(Object.isFrozen(target), true);
    assert.equal(p.length, 2);
    assert.throws(() => p.push(3), TypeError);
  });

  it('Object.freeze(p) works for a function proxy', () => {
    const target = function add(a: number, b: number): number {
      return a + b;
    };
    const p = Object.freeze(lazy(() => target, 'function'));

    assert.equal(Object.isFrozen(target), true);
    assert.equal(p(1, 2), 3);
    assert.equal(p.name, 'add');
  });

  it('Object.seal(p) seals the target', () => {
    const target = { a: 1 };
    const p = Object.seal(lazy(() => target));

    assert.equal(Object.isSealed(target), true);
    assert.equal(Object.isSealed(p), true);
    p.a = 2;
    assert.equal(target.a, 2);
  });

  it('Object.preventExtensions(p) still allows deleting and redefining', () => {
    const target: Record<string, number> = { a: 1, b: 2 };
    const p = Object.preventExtensions(lazy(() => target));

    assert.equal(Object.isExtensible(p), false);
    assert.equal(Object.isExtensible(target), false);
    assert.equal(delete p['a'], true);
    assert.deepEqual(Object.keys(p), ['b']);
    assert.equal('a' in p, false);
    assert.throws(() => {
      p['c'] = 3;
    }, TypeError);
    p['b'] = 5;
    assert.deepEqual({ ...p }, { b: 5 });
  });

  it('Object.defineProperty(p, ...) with configurable false defines on the target', () => {
    const target: Record<string, unknown> = {};
    const p = lazy(() => target);

    Object.defineProperty(p, 'y', { value: 1, enumerable: true });
    assert.equal(Object.getOwnPropertyDescriptor(target, 'y')?.configurable, false);
    assert.equal(p['y'], 1);
    assert.deepEqual(Object.keys(p), ['y']);
  });
});

describe('invariants: shells of another kind than the target', () => {
  it('an array shell over a plain object: no invariant error', () => {
    const p = lazy(() => ({ a: 1 }), 'array') as unknown as Record<string, unknown>;

    assert.equal(Array.isArray(p), true);
    assert.deepEqual(Object.keys(p), ['a']);
    assert.ok(Reflect.ownKeys(p).includes('length'), 'the shell length is reported');
    assert.equal('length' in p, true);
    assert.deepEqual({ ...p }, { a: 1 });
    assert.equal(JSON.stringify(p), '[]', 'documented: JSON follows the shell');
  });

  it('an object shell over an array: JSON writes an object (documented)', () => {
    const p = lazy(() => [1, 2]);

    assert.equal(Array.isArray(p), false);
    assert.equal(JSON.stringify(p), '{"0":1,"1":2}');
    assert.equal(p.length, 2);
    assert.deepEqual([...p], [1, 2]);
  });

  it('a function shell over a plain object: typeof is function, keys work', () => {
    const p = lazy(() => ({ a: 1 }), 'function');

    assert.equal(typeof p, 'function');
    assert.deepEqual(Object.keys(p), ['a']);
    assert.deepEqual({ ...p }, { a: 1 });
    assert.throws(() => (p as unknown as () => void)(), TypeError);
  });

  it('Object.freeze(p) of an array shell over a plain object', () => {
    const target = { a: 1 };
    const p = Object.freeze(lazy(() => target, 'array')) as unknown as { a: number };

    assert.equal(Object.isFrozen(p), true);
    assert.equal(Object.isFrozen(target), true);
    assert.deepEqual(Object.keys(p), ['a']);
    assert.equal(p.a, 1);
  });

  it('extract() still gives the real target', () => {
    const target = { a: 1 };
    assert.equal(extract(lazy(() => target, 'array')), target);
  });
});

describe('invariants: inspecting a frozen proxy', () => {
  it('still prints the target, for slot-based targets too', () => {
    const map = new Map([['k', 1]]);
    const p = Object.freeze(createProxy(() => map, { kind: 'map' }));

    assert.equal(inspect(p), inspect(map));
    assert.equal(p.get('k'), 1);
    assert.deepEqual(Object.keys(p), []);
  });

  it('prints a frozen plain object as the object', () => {
    const target = Object.freeze({ a: 1 });
    const p = createProxy(() => target);

    assert.equal(Object.isFrozen(p), true);
    assert.equal(inspect(p), '{ a: 1 }');
    assert.deepEqual({ ...p }, { a: 1 });
    assert.equal(JSON.stringify(p), '{"a":1}');
  });
});
