// Bytes read back from a store are a view of their own memory, never of
// Node's shared 8 KiB allocation pool: `.buffer` of a value holds that
// value's payload only, not other objects' bytes.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { deserialize, LocalStore, serialize } from '../../src/index.js';

/** Bytes of the ArrayBuffer behind a view, beyond the view itself. */
function extra(view: Uint8Array): number {
  return view.buffer.byteLength - view.byteLength;
}

describe('bytes round trips do not share pooled memory', () => {
  it('serialize() then deserialize() of small bytes', () => {
    const a = deserialize(serialize(new Uint8Array([1, 2, 3]))) as Buffer;
    const b = deserialize(serialize(new Uint8Array([4, 5, 6]))) as Buffer;

    assert.deepEqual([...a], [1, 2, 3]);
    assert.notEqual(a.buffer, b.buffer);
    assert.ok(extra(a) <= 8, `${extra(a)} extra bytes`);
  });

  it('LocalStore put() then get() of small bytes (no cache)', async () => {
    const store = new LocalStore(`hardening-bytes-${process.pid}`, { cacheSize: 0 });
    const ka = await store.put(new Uint8Array([1, 2, 3]));
    const kb = await store.put(Buffer.from('other object'));

    const a = (await store.get(ka)) as Buffer;
    const b = (await store.get(kb)) as Buffer;
    assert.deepEqual([...a], [1, 2, 3]);
    assert.notEqual(a.buffer, b.buffer);
    assert.ok(extra(a) <= 8, `${extra(a)} extra bytes`);
    assert.equal(Buffer.from(a.buffer).includes('other object'), false);
    await store.close();
  });
});
