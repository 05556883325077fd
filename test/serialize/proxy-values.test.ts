import assert from 'node:assert/strict';
import v8 from 'node:v8';
import { beforeEach, describe, it } from 'node:test';

import { SerializationError } from '../../src/errors.js';
import { ProxyLocker } from '../../src/proxy/locker.js';
import {
  createProxy,
  extract,
  getProxyKind,
  isProxy,
  isResolved,
} from '../../src/proxy/proxy.js';
import { referenceOf } from '../../src/proxy/reference.js';
import { deserialize, serialize } from '../../src/serialize/index.js';
import { calls, LocalOnlyFactory, TestFactory } from './fixtures/test-factory.js';

function idOf(data: Uint8Array): string {
  return Buffer.from(data.subarray(0, 2)).toString('latin1');
}

function noResolves(): void {
  assert.equal(calls.sync + calls.async, 0, 'no factory was called');
}

describe('serialize() of values holding proxies', () => {
  beforeEach(() => {
    calls.sync = 0;
    calls.async = 0;
  });

  it('writes a proxy as its reference (VR) and reads back a proxy', () => {
    const p = createProxy(new TestFactory('list'), { kind: 'array' });
    const data = serialize(p);
    assert.equal(idOf(data), 'VR');
    noResolves();

    const back = deserialize(data) as number[];
    assert.ok(isProxy(back));
    assert.notEqual(back, p);
    assert.equal(getProxyKind(back), 'array');
    assert.ok(!isResolved(back));
    noResolves();
    assert.deepEqual(extract(back), [1, 2, 3]);
  });

  it('never writes a resolved target, only the reference', () => {
    const big = new Float64Array(1 << 20).fill(1.5);
    const p = createProxy(new TestFactory('list'), { target: big });
    assert.ok(isResolved(p));

    const data = serialize(p);
    assert.ok(data.length < 300, `${data.length} bytes`);
    const back = deserialize(data);
    assert.ok(!isResolved(back));
    assert.equal(getProxyKind(back), 'Float64Array');
  });

  it('keeps the data around proxies, with types, cycles and identity', () => {
    const p = createProxy(new TestFactory('object'));
    const m = createProxy(new TestFactory('map'), { kind: 'map' });
    const value: Record<string, unknown> = {
      when: new Date(5),
      big: 2n ** 100n,
      bytes: new Float32Array([1, 2]),
      items: [p, p],
      index: new Map<unknown, unknown>([['m', m], [m, 'as key']]),
      set: new Set([p]),
    };
    value['self'] = value;

    const back = deserialize(serialize(value)) as typeof value & {
      items: unknown[];
      index: Map<unknown, unknown>;
      set: Set<unknown>;
    };
    noResolves();
    assert.deepEqual(back['when'], new Date(5));
    assert.equal(back['big'], 2n ** 100n);
    assert.deepEqual(back['bytes'], new Float32Array([1, 2]));
    assert.equal(back['self'], back);

    const [first, second] = back.items;
    assert.ok(isProxy(first));
    assert.equal(first, second, 'one proxy in, one proxy out');
    assert.ok(back.set.has(first));
    const revivedMap = back.index.get('m');
    assert.ok(isProxy(revivedMap));
    assert.equal(back.index.get(revivedMap), 'as key');
    assert.ok(revivedMap instanceof Map);
    noResolves();

    assert.equal((first as { a: number }).a, 1);
    assert.equal((revivedMap as Map<number, string>).get(1), 'one');
  });

  it('does not change the value it writes', () => {
    const p = createProxy(new TestFactory('object'));
    const value = { list: [p] };
    serialize(value);
    assert.equal(value.list[0], p);
  });

  it('keeps a ProxyLocker at the top level as a locker', () => {
    const p = createProxy(new TestFactory('list'), { kind: 'array' });
    const data = serialize(new ProxyLocker(p));
    assert.equal(idOf(data), 'VR');
    noResolves();

    const back = deserialize(data);
    assert.ok(back instanceof ProxyLocker);
    assert.deepEqual(extract(back.unlock()), [1, 2, 3]);
  });

  // A ProxyLocker has an own enumerable `proxy` accessor that throws, so v8
  // fails on it and the value goes through the reference path.
  it('keeps a ProxyLocker inside a value as a locker', () => {
    const p = createProxy(new TestFactory('list'), { kind: 'array' });
    const data = serialize({ job: 1, locker: new ProxyLocker(p) });
    noResolves();

    const back = deserialize(data) as { job: number; locker: ProxyLocker<number[]> };
    assert.equal(back.job, 1);
    assert.ok(back.locker instanceof ProxyLocker);
    const unlocked = back.locker.unlock();
    assert.ok(isProxy(unlocked));
    noResolves();
    assert.deepEqual(extract(unlocked), [1, 2, 3]);
  });

  it('leaves user data that looks like a reference as plain data', () => {
    const p = createProxy(new TestFactory('object'));
    const lookalike = referenceOf(createProxy(new TestFactory('list')));

    const withProxy = deserialize(serialize({ p, lookalike })) as Record<string, unknown>;
    assert.ok(isProxy(withProxy['p']));
    assert.ok(!isProxy(withProxy['lookalike']));
    assert.deepEqual(withProxy['lookalike'], lookalike);

    const alone = deserialize(serialize({ lookalike })) as Record<string, unknown>;
    assert.deepEqual(alone['lookalike'], lookalike);
  });

  it('reports a function next to a proxy as a SerializationError', () => {
    const p = createProxy(new TestFactory('object'));
    assert.throws(() => serialize({ p, run: () => 1 }), {
      name: 'SerializationError',
      message: /value\.run is a function/,
    });
    noResolves();
  });

  it('rejects a proxy whose factory cannot travel', () => {
    const p = createProxy(new LocalOnlyFactory());
    assert.throws(() => serialize({ p }), {
      name: 'SerializationError',
      message: /has no toReference\(\)/,
    });
    noResolves();
  });
});

describe('deserialize() of VR payloads', () => {
  function forged(value: unknown): Buffer {
    return Buffer.concat([Buffer.from('VR\n\0\0\0\0\0', 'latin1'), v8.serialize(value)]);
  }

  it('rejects a payload that is not a [value, references] pair', () => {
    for (const body of [{ a: 1 }, [1], [1, 'x']]) {
      assert.throws(() => deserialize(forged(body)), {
        name: 'SerializationError',
        message: /identifier 'VR'/,
      });
    }
  });

  it('rejects a reference entry of a bad shape', () => {
    const bad = { $proxystore: 'proxy', v: 1, kind: 'object', factory: 'x' };
    assert.throws(() => deserialize(forged([bad, [bad]])), {
      name: 'SerializationError',
      message: /bad shape/,
    });
  });

  it('rejects an unknown factory type without loading anything', () => {
    const ref = { $proxystore: 'proxy', v: 1, kind: 'object', factory: { type: 'fs' } };
    assert.throws(() => deserialize(forged([ref, [ref]])), (error: unknown) => {
      assert.ok(error instanceof SerializationError);
      assert.match(error.message, /Unknown factory type 'fs'/);
      return true;
    });
  });
});
