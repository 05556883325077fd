// serialize() and store.put() report every failure to write a value as a
// SerializationError (with the original as cause), whatever the value does
// when it is read: getters that throw, revoked proxies, deep nesting.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
  LocalStore,
  SerializationError,
  createProxy,
  serialize,
} from '../../src/index.js';

function revoked(): object {
  const { proxy, revoke } = Proxy.revocable({}, {});
  revoke();
  return proxy;
}

const boom = new Error('getter boom');
const hostile: [string, () => unknown][] = [
  ['an own getter that throws', () => ({ get x(): never { throw boom; } })],
  ['a revoked proxy', revoked],
  ['a revoked proxy inside an object', () => ({ a: revoked() })],
  ['a revoked proxy beside a lazy proxy', () => ({ a: revoked(), p: lazy() })],
  ['a throwing getter beside a lazy proxy', () => ({
    p: lazy(),
    get x(): never {
      throw boom;
    },
  })],
];

/** A lazy proxy that travels by reference. */
function lazy(): object {
  const target = { v: 1 };
  return createProxy({
    resolveSync: () => target,
    resolve: async () => target,
    toReference: () => ({ type: 'hardening-test' }),
  });
}

describe('serialize() failures are SerializationError', () => {
  for (const [label, make] of hostile) {
    it(`for ${label}`, () => {
      assert.throws(
        () => serialize(make()),
        (err: unknown) => err instanceof SerializationError && err.cause !== undefined,
      );
    });
  }

  it('the cause is the error the value threw', () => {
    assert.throws(
      () => serialize(hostile[0]?.[1]()),
      (err: unknown) => err instanceof SerializationError && err.cause === boom,
    );
  });

  it('a value nested too deeply gives a readable message', () => {
    let deep: unknown[] = [];
    const root = deep;
    for (let i = 0; i < 100_000; i++) {
      const next: unknown[] = [];
      deep.push(next);
      deep = next;
    }
    assert.throws(
      () => serialize(root),
      (err: unknown) =>
        err instanceof SerializationError &&
        /Maximum call stack size exceeded\. /.test(err.message),
    );
  });
});

describe('store.put() failures are SerializationError and write nothing', () => {
  for (const [label, make] of hostile) {
    it(`for ${label}`, async () => {
      const store = new LocalStore(`hardening-ser-${process.pid}`);
      const map = new Map<string, Uint8Array>();
      const counted = new LocalStore(`hardening-ser2-${process.pid}`, { storeMap: map });

      await assert.rejects(store.put(make()), SerializationError);
      await assert.rejects(counted.put(make()), SerializationError);
      await assert.rejects(counted.proxy(make()), SerializationError);
      assert.equal(map.size, 0);
    });
  }
});
