// The proxy behaves like its target: reads, writes, methods, iteration,
// calls, construction and primitive targets.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { createProxy, extract, isProxy } from '../../src/proxy/index.js';
import { CountingFactory } from './counting-factory.js';

describe('objects', () => {
  it('forwards get, set, has, delete and keys to the target', () => {
    const target: Record<string, unknown> = { a: 1, b: 2 };
    const p = createProxy(() => target);

    assert.equal(p['a'], 1);
    p['c'] = 3;
    assert.equal(target['c'], 3);
    assert.equal('b' in p, true);
    assert.equal(delete p['b'], true);
    assert.equal('b' in target, false);
    assert.deepEqual(Object.keys(p), ['a', 'c']);
    assert.deepEqual(Object.entries(p), [['a', 1], ['c', 3]]);
    assert.deepEqual({ ...p }, { a: 1, c: 3 });
    assert.deepEqual(structuredClone({ ...p }), { a: 1, c: 3 });
  });

  it('resolves once for any number of accesses', () => {
    const factory = new CountingFactory(() => ({ a: 1, list: [1, 2] }));
    const p = createProxy(factory);

    for (let i = 0; i < 5; i++) assert.equal(p.a + p.list.length, 3);
    assert.equal(factory.syncCalls, 1);
  });

  it('caches bound methods per property: p.f === p.f', () => {
    const target = {
      n: 1,
      f(this: { n: number }): number {
        return this.n;
      },
    };
    const p = createProxy(() => target);

    assert.equal(p.f, p.f);
    const f = p.f as () => number;
    assert.equal(f(), 1, 'a detached method keeps the target as this');
  });

  it('rebinds when the property value changes', () => {
    const target = { f: (): number => 1 };
    const p = createProxy(() => target);
    const first = p.f;

    target.f = () => 2;
    assert.notEqual(p.f, first);
    assert.equal(p.f(), 2);
    assert.equal(p.f, p.f);
  });

  it('returns a class property unbound: p.K === K', () => {
    class K {}
    const p = createProxy(() => ({ K }));
    assert.equal(p.K, K);
    assert.ok(new p.K() instanceof K);
  });

  it('returns constructor unbound', () => {
    class Point {}
    const p = createProxy(() => new Point(), { kind: 'instance' });
    assert.equal(p.constructor, Point);
  });

  it('uses the receiver for objects inheriting from the proxy', () => {
    const target = {
      base: 1,
      get twice(): number {
        return (this as { base: number }).base * 2;
      },
    };
    const p = createProxy(() => target);
    const child = Object.create(p) as { base: number; twice: number; own?: number };

    child.base = 5;
    assert.equal(child.twice, 10, 'getter runs with this = child');
    assert.equal(target.base, 1, 'the set landed on the child');
    assert.equal(p.twice, 2);
  });

  it('forwards getPrototypeOf and setPrototypeOf of an instance', () => {
    class A {}
    class B {}
    const target = new A();
    const p = createProxy(() => target, { kind: 'instance' });

    assert.ok(p instanceof A);
    Object.setPrototypeOf(p, B.prototype);
    assert.ok(target instanceof B);
    assert.ok(p instanceof B);
  });
});

describe('arrays', () => {
  it('acts like the array, with mutations on the target', () => {
    const target = [3, 1, 2];
    const p = createProxy(() => target, { kind: 'array' });

    assert.equal(p.length, 3);
    p.push(4);
    p.sort();
    assert.deepEqual(target, [1, 2, 3, 4]);
    assert.deepEqual(p.map((x) => x * 2), [2, 4, 6, 8]);
    assert.deepEqual(Array.from(p), [1, 2, 3, 4]);
    assert.deepEqual([...p], [1, 2, 3, 4]);
    assert.equal(Object.prototype.toString.call(p), '[object Array]');
    assert.equal(p instanceof Array, true);
    assert.equal(JSON.stringify({ p }), '{"p":[1,2,3,4]}');
  });
});

describe('functions and classes', () => {
  it('calls a function target with the given this and arguments', () => {
    const p = createProxy(() => function (this: unknown, a: number): unknown {
      return [this, a];
    }, { kind: 'function' });
    const holder = { p };

    assert.deepEqual(p(1), [undefined, 1]);
    assert.deepEqual(holder.p(2), [holder, 2]);
    assert.deepEqual(p.call('t', 3), ['t', 3]);
  });

  it('constructs a class target and supports subclassing', () => {
    class Base {
      constructor(readonly v: number) {}
    }
    const P = createProxy(() => Base, { kind: 'class' });

    const made = new P(4);
    assert.ok(made instanceof Base);
    assert.equal(made.v, 4);

    class Sub extends P {
      twice(): number {
        return this.v * 2;
      }
    }
    const sub = new Sub(5);
    assert.equal(sub.twice(), 10);
    assert.ok(sub instanceof Base);
  });
});

describe('primitive targets (boxed)', () => {
  it('a number converts through Symbol.toPrimitive', () => {
    const p = createProxy(() => 42, { kind: 'number' });

    assert.equal(typeof p, 'object', 'documented limit');
    assert.notEqual(p, 42, 'documented limit: never === the primitive');
    assert.equal(p + 1, 43);
    assert.equal(Math.sqrt(createProxy(() => 16, { kind: 'number' })), 4);
    assert.equal(p > 41, true);
    assert.equal(`${p}`, '42');
    assert.equal(p.toFixed(1), '42.0');
    assert.equal(JSON.stringify(p), '42');
    assert.equal(JSON.stringify({ p }), '{"p":42}');
    assert.equal(extract(p), 42);
  });

  it('a string reads like the string', () => {
    const p = createProxy(() => 'héllo', { kind: 'string' });

    assert.equal(p.length, 5);
    assert.equal(p[1], 'é');
    assert.equal(p.toUpperCase(), 'HÉLLO');
    assert.equal(p.toUpperCase, p.toUpperCase);
    assert.equal(`${p}!`, 'héllo!');
    assert.equal(p + '!', 'héllo!');
    assert.deepEqual([...p], ['h', 'é', 'l', 'l', 'o']);
    assert.deepEqual(Object.keys(p), ['0', '1', '2', '3', '4']);
    assert.equal(JSON.stringify(p), '"héllo"');
    assert.equal(String(p), 'héllo');
  });

  it('a bigint adds and refuses JSON like a bigint', () => {
    const p = createProxy(() => 41n, { kind: 'bigint' });

    assert.equal((p as bigint) + 1n, 42n);
    assert.throws(() => JSON.stringify(p), TypeError);
  });

  it('a null target reads as an empty object and serializes as null', () => {
    const p = createProxy<Record<string, unknown> | null>(() => null);

    assert.equal(isProxy(p), true);
    assert.equal((p as Record<string, unknown>)['a'], undefined);
    assert.equal(JSON.stringify(p), 'null');
  });
});
