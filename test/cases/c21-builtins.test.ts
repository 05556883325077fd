// C21: built-ins with internal slots (Map, Set, Date, typed arrays, Promise)
// through a proxy (proxy level, counting factory).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { createProxy, extract, type ProxyKind } from '../../src/proxy/index.js';
import { CountingFactory } from '../proxy/counting-factory.js';

function lazy<T>(target: T, kind: ProxyKind): { factory: CountingFactory<T>; p: T } {
  const factory = new CountingFactory(() => target);
  return { factory, p: createProxy(factory, { kind }) };
}

describe('C21: Map', () => {
  it('size, get, has, set mutate and read the real Map', () => {
    const target = new Map([[1, 'a']]);
    const { factory, p } = lazy(target, 'map');

    assert.equal(p.size, 1);
    assert.equal(p.get(1), 'a');
    assert.equal(p.set(2, 'b'), target, 'set returns the real Map');
    assert.equal(target.get(2), 'b');
    assert.equal(p.has(2), true);
    assert.equal(p.size, 2);
    assert.equal(p.delete(1), true);
    assert.deepEqual([...target.keys()], [2]);
    assert.equal(factory.syncCalls, 1);
  });

  it('iterates: for-of, spread, entries, new Map(p), forEach', () => {
    const { p } = lazy(new Map([[1, 'a'], [2, 'b']]), 'map');
    const seen: unknown[] = [];
    for (const entry of p) seen.push(entry);

    assert.deepEqual(seen, [[1, 'a'], [2, 'b']]);
    assert.deepEqual([...p], seen);
    assert.deepEqual([...p.entries()], seen);
    assert.deepEqual([...new Map(p)], seen);
    const keys: number[] = [];
    p.forEach((_v, k) => keys.push(k));
    assert.deepEqual(keys, [1, 2]);
  });

  it('Map.prototype.get.call(p, 1) throws (documented); extract(p) passes', () => {
    const { p } = lazy(new Map([[1, 'a']]), 'map');
    assert.throws(() => Map.prototype.get.call(p, 1), TypeError);
    assert.equal(Map.prototype.get.call(extract(p), 1), 'a');
  });
});

describe('C21: Set', () => {
  it('size, add, has, iteration and Array.from', () => {
    const target = new Set([1]);
    const { p } = lazy(target, 'set');

    assert.equal(p.size, 1);
    p.add(2);
    assert.equal(target.has(2), true);
    assert.equal(p.has(1), true);
    assert.deepEqual([...p], [1, 2]);
    assert.deepEqual(Array.from(p), [1, 2]);
    assert.deepEqual([...new Set(p)], [1, 2]);
  });
});

describe('C21: Date', () => {
  it('getTime, toISOString, comparison and arithmetic', () => {
    const { p } = lazy(new Date(0), 'date');

    assert.equal(p.getTime(), 0);
    assert.equal(p.toISOString(), '1970-01-01T00:00:00.000Z');
    assert.equal(p < new Date(1), true);
    assert.equal(new Date(1) > p, true);
    assert.equal(+p, 0);
    assert.equal(p.valueOf(), 0);
    assert.equal(JSON.stringify({ p }), '{"p":"1970-01-01T00:00:00.000Z"}');
    assert.equal(`${p}`, new Date(0).toString());
  });

  it('Object.prototype.toString gives [object Object] (slot check, documented)', () => {
    const { p } = lazy(new Date(0), 'date');
    assert.equal(Object.prototype.toString.call(p), '[object Object]');
    assert.equal(Object.prototype.toString.call(extract(p)), '[object Date]');
    assert.equal(p instanceof Date, true);
  });

  it('setters change the real Date', () => {
    const target = new Date(0);
    const { p } = lazy(target, 'date');

    p.setTime(1000);
    assert.equal(target.getTime(), 1000);
  });
});

describe('C21: typed arrays', () => {
  it('Uint8Array: length, index, subarray, iteration and set', () => {
    const target = new Uint8Array(4);
    const { p } = lazy(target, 'Uint8Array');

    assert.equal(p.length, 4);
    p[1] = 7;
    assert.equal(target[1], 7);
    assert.equal(p[1], 7);
    const sub = p.subarray(1, 3);
    assert.ok(sub instanceof Uint8Array);
    assert.deepEqual([...sub], [7, 0]);
    assert.deepEqual([...p], [0, 7, 0, 0]);
    assert.deepEqual(Array.from(p), [0, 7, 0, 0]);
    assert.deepEqual([...new Uint8Array(p)], [0, 7, 0, 0]);
    assert.equal(p.byteLength, 4);
  });

  it('Float64Array copies into a new view', () => {
    const { p } = lazy(new Float64Array([1.5, 2.5]), 'Float64Array');
    assert.deepEqual([...new Float64Array(p)], [1.5, 2.5]);
    assert.equal(p.reduce((a, b) => a + b, 0), 4);
  });
});

describe('C21: Promise (thenable kind)', () => {
  it('awaiting a thenable-kind proxy waits for the real promise', async () => {
    const { factory, p } = lazy(Promise.resolve(99), 'thenable');

    assert.equal(await p, 99);
    assert.equal(await p.then((v) => v + 1), 100);
    assert.equal(factory.syncCalls, 1);
  });
});
