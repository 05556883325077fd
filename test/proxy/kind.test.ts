import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
  createProxy,
  DEFAULT_PROXY_KIND,
  isProxiable,
  kindOf,
  TYPED_ARRAY_KINDS,
  type ProxyKind,
} from '../../src/proxy/index.js';
import { isClass } from '../../src/proxy/kind.js';
import { CountingFactory } from './counting-factory.js';

class Point {
  x = 1;
}

describe('kindOf()', () => {
  const cases: [string, unknown, ProxyKind][] = [
    ['a plain object', { a: 1 }, 'object'],
    ['a null-prototype object', Object.create(null), 'object'],
    ['a class instance', new Point(), 'instance'],
    ['a RegExp', /x/, 'instance'],
    ['an Error', new Error('e'), 'instance'],
    ['a DataView', new DataView(new ArrayBuffer(2)), 'instance'],
    ['an array', [1, 2], 'array'],
    ['an arrow function', () => 1, 'function'],
    ['an async function', async () => 1, 'function'],
    ['a method-less function', function named() {}, 'function'],
    ['a class', Point, 'class'],
    ['an anonymous class', class {}, 'class'],
    ['a Map', new Map(), 'map'],
    ['a Set', new Set(), 'set'],
    ['a Date', new Date(0), 'date'],
    ['a Buffer', Buffer.from('ab'), 'buffer'],
    ['an ArrayBuffer', new ArrayBuffer(4), 'arraybuffer'],
    ['a Promise', Promise.resolve(1), 'thenable'],
    ['a plain thenable', { then() {} }, 'thenable'],
    ['an object with a non-callable then', { then: 5 }, 'object'],
    ['a string', 'text', 'string'],
    ['a number', 42, 'number'],
    ['a bigint', 42n, 'bigint'],
    ['null', null, DEFAULT_PROXY_KIND],
    ['undefined', undefined, DEFAULT_PROXY_KIND],
    ['a boolean', true, DEFAULT_PROXY_KIND],
    ['a symbol', Symbol('s'), DEFAULT_PROXY_KIND],
  ];

  for (const [label, value, kind] of cases) {
    it(`gives '${kind}' for ${label}`, () => {
      assert.equal(kindOf(value), kind);
    });
  }

  it('names every typed array by its constructor', () => {
    for (const name of TYPED_ARRAY_KINDS) {
      const view = new globalThis[name](2);
      assert.equal(kindOf(view), name);
    }
  });

  it('gives a subclass of Map the map kind (its internal slot)', () => {
    class MyMap extends Map {}
    assert.equal(kindOf(new MyMap()), 'map');
  });

  it("answers a proxy's recorded kind without resolving it", () => {
    const factory = new CountingFactory(() => [1, 2]);
    const p = createProxy(factory, { kind: 'array' });

    assert.equal(kindOf(p), 'array');
    assert.equal(kindOf(createProxy(factory, { kind: 'class' })), 'class');
    assert.equal(factory.calls, 0);
  });
});

describe('isClass()', () => {
  it('tells classes from functions by their source', () => {
    assert.equal(isClass(class {}), true);
    assert.equal(isClass(class{}), true);
    assert.equal(isClass(function klass() {}), false);
    assert.equal(isClass(() => 1), false);
    assert.equal(isClass(Map), false, 'built-ins print as native functions');
    assert.equal(isClass({}), false);
  });
});

describe('isProxiable()', () => {
  it('is false for null, undefined, booleans and symbols', () => {
    for (const value of [null, undefined, true, false, Symbol('s')]) {
      assert.equal(isProxiable(value), false, String(value));
    }
  });

  it('is true for objects, functions, strings, numbers and bigints', () => {
    for (const value of [{}, [], () => 1, '', 'x', 0, 1, 0n, 1n, NaN]) {
      assert.equal(isProxiable(value), true, String(value));
    }
  });
});
