// C01: a proxy of a primitive or singleton cannot act like it, so the store
// refuses to make one (unless asked to pass the value through).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { isProxy, LocalStore, NonProxiableTypeError } from '../../src/index.js';

describe('C01: proxies of primitives and singletons', () => {
  const store = new LocalStore(`c01-${process.pid}`);
  const values: [string, unknown][] = [
    ['null', null],
    ['undefined', undefined],
    ['false', false],
    ['true', true],
    ['0', 0],
    ['NaN', NaN],
    ['empty string', ''],
    ['42n', 42n],
    ['0n', 0n],
    ['a symbol', Symbol('s')],
    ['a non-empty string', 'text'],
    ['a number', 7],
  ];

  for (const [label, value] of values) {
    it(`store.proxy(${label}) raises NonProxiableTypeError`, async () => {
      await assert.rejects(
        store.proxy(value),
        (err: unknown) => err instanceof NonProxiableTypeError && Object.is(err.value, value),
      );
    });

    it(`store.proxy(${label}, { skipNonProxiable: true }) returns it unchanged`, async () => {
      assert.ok(Object.is(await store.proxy(value, { skipNonProxiable: true }), value));
    });
  }

  it('boxPrimitives opts in to truthy strings, numbers and bigints only', async () => {
    const s = await store.proxy('text', { boxPrimitives: true });
    assert.ok(isProxy(s));
    assert.equal(`${s}!`, 'text!');
    assert.equal(s.length, 4);
    const big = await store.proxy(42n, { boxPrimitives: true });
    assert.equal((big as unknown as bigint) + 1n, 43n);
    for (const falsy of [0, '', 0n, NaN]) {
      await assert.rejects(store.proxy(falsy, { boxPrimitives: true }), NonProxiableTypeError);
    }
  });

  it('put(null) then get() still returns null', async () => {
    const key = await store.put(null);
    assert.equal(await store.get(key, { default: 'missing' }), null);
  });
});
