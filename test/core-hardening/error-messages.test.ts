// Building an error message never throws, never runs more than a bounded
// number of traps or getters of the bad value, and never resolves a proxy.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
  createProxy,
  describeValue,
  InvalidArgumentError,
  isResolved,
  LocalStore,
  referenceOf,
} from '../../src/index.js';

/** A JS Proxy over an object with `size` keys that counts its traps. */
function countingObject(size: number): { value: object; traps: () => number } {
  const target: Record<string, number> = {};
  for (let i = 0; i < size; i++) target[`k${i}`] = i;

  let traps = 0;
  const value = new Proxy(target, {
    get: (t, k, r) => {
      traps += 1;
      return Reflect.get(t, k, r);
    },
    getOwnPropertyDescriptor: (t, k) => {
      traps += 1;
      return Reflect.getOwnPropertyDescriptor(t, k);
    },
  });
  return { value, traps: () => traps };
}

function revoked(): object {
  const { proxy, revoke } = Proxy.revocable({}, {});
  revoke();
  return proxy;
}

describe('describeValue', () => {
  it('prints small plain data as JSON, as before', () => {
    assert.equal(describeValue({ id: 'k1' }), '{"id":"k1"}');
    assert.equal(describeValue([1, 'a', null]), '[1,"a",null]');
    assert.equal(describeValue('text'), '"text"');
    assert.equal(describeValue(5n), '5n');
  });

  it('never throws: revoked proxies, throwing getters and toJSON', () => {
    const throwing = {
      get x(): never {
        throw new Error('getter');
      },
    };
    const badJson = {
      toJSON(): never {
        throw new Error('toJSON');
      },
    };
    const revokedFn = Proxy.revocable(() => 1, {});
    revokedFn.revoke();

    for (const value of [revoked(), throwing, badJson, revokedFn.proxy]) {
      assert.equal(typeof describeValue(value), 'string');
    }
  });

  it('reads a bounded part of a large value', () => {
    const { value, traps } = countingObject(100_000);
    const shown = describeValue(value);

    assert.ok(shown.length <= 120, shown);
    assert.ok(traps() < 100, `${traps()} traps`);
  });

  it('does not expand a large Buffer nested in an object', () => {
    const shown = describeValue({ data: Buffer.alloc(64 * 1024 * 1024) });
    assert.ok(shown.length <= 120, shown);
  });

  it('never resolves a proxy it describes', () => {
    let calls = 0;
    const p = createProxy(() => {
      calls += 1;
      return { secret: 1 };
    });

    assert.equal(typeof describeValue(p), 'string');
    assert.equal(typeof describeValue({ inner: p }), 'string');
    assert.equal(calls, 0);
    assert.equal(isResolved(p), false);
  });
});

describe('argument errors of public functions on hostile values', () => {
  it('isResolved(revoked proxy) is an InvalidArgumentError', () => {
    assert.throws(() => isResolved(revoked()), InvalidArgumentError);
    assert.throws(() => referenceOf(revoked()), InvalidArgumentError);
  });

  it('putBatch(a large non-array) reads a bounded part of it', async () => {
    const store = new LocalStore(`hardening-msg-${process.pid}`);
    const { value, traps } = countingObject(100_000);

    await assert.rejects(
      store.putBatch(value as unknown[]),
      (err: unknown) => err instanceof InvalidArgumentError && err.message.length < 300,
    );
    assert.ok(traps() < 100, `${traps()} traps`);
  });
});
