// Keys of the wrong shape get a typed error naming the key, from every
// public entry point, instead of a TypeError from deep inside (or, worse,
// an object stored under the id `undefined`).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
  InvalidArgumentError,
  LocalConnector,
  LocalStore,
  type LocalKey,
} from '../../src/index.js';

const cyclic: Record<string, unknown> = { id: 'x' };
cyclic['self'] = cyclic;

const badKeys: [string, unknown][] = [
  ['null', null],
  ['undefined', undefined],
  ['a string', 'abc'],
  ['a number', 7],
  ['an array', ['abc']],
  ['a key with a bigint', { id: 1n }],
  ['a cyclic key', cyclic],
];

function isKeyError(err: unknown): boolean {
  return err instanceof InvalidArgumentError && err.argument === 'key';
}

describe('Store methods refuse keys of the wrong shape', () => {
  const store = new LocalStore(`hardening-keys-${process.pid}`);

  for (const [label, key] of badKeys) {
    it(`${label}`, async () => {
      const k = key as LocalKey;
      await assert.rejects(store.get(k), isKeyError);
      await assert.rejects(store.exists(k), isKeyError);
      await assert.rejects(store.evict(k), isKeyError);
      assert.throws(() => store.getSync(k), isKeyError);
      assert.throws(() => store.existsSync(k), isKeyError);
      assert.throws(() => store.isCached(k), isKeyError);
      assert.throws(() => store.proxyFromKey(k), isKeyError);
    });
  }
});

describe('LocalConnector refuses keys without a string id', () => {
  const keys: [string, unknown][] = [
    ['null', null],
    ['{}', {}],
    ['an empty id', { id: '' }],
    ['a numeric id', { id: 5 }],
  ];

  for (const [label, key] of keys) {
    it(`${label}`, async () => {
      const connector = new LocalConnector();
      const k = key as LocalKey;
      const data = new Uint8Array([1]);

      await assert.rejects(connector.get(k), isKeyError);
      await assert.rejects(connector.exists(k), isKeyError);
      await assert.rejects(connector.evict(k), isKeyError);
      await assert.rejects(connector.set(k, data), isKeyError);
      assert.throws(() => connector.getSync(k), isKeyError);
      assert.throws(() => connector.existsSync(k), isKeyError);
      await assert.rejects(connector.getBatch([k]), isKeyError);
    });
  }

  it('a key made by newKey() works with set() and get()', async () => {
    const connector = new LocalConnector();
    const key = await connector.newKey();
    await connector.set(key, new Uint8Array([9]));
    assert.deepEqual(await connector.get(key), new Uint8Array([9]));
  });
});
