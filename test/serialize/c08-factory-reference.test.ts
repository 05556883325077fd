import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
  createProxy,
  extract,
  isResolved,
  resolve,
  resolveAsync,
} from '../../src/proxy/proxy.js';
import { referenceOf } from '../../src/proxy/reference.js';
import { deserialize, serialize } from '../../src/serialize/index.js';
import { TestFactory } from './fixtures/test-factory.js';

// C08: serializing a proxy (its factory) while an async resolve is in flight
// writes only the factory's small JSON reference; the original still settles.

function isJsonOnly(value: unknown): boolean {
  return JSON.stringify(JSON.parse(JSON.stringify(value))) === JSON.stringify(value);
}

const title = 'C08: a factory reference while a resolve is in flight';

describe(title, { timeout: 20_000 }, () => {
  it('is small, JSON only, revives elsewhere, and the original settles', async () => {
    let release = (): void => {};
    const gate = new Promise<void>((done) => {
      release = done;
    });
    const p = createProxy(new TestFactory('list', gate), { kind: 'array' });

    resolveAsync(p);
    const pending = resolve(p);
    const data = serialize(p);
    const text = JSON.stringify(p);

    assert.ok(data.length < 1024, `${data.length} bytes`);
    assert.ok(text.length < 1024, `${text.length} chars`);
    assert.ok(!isResolved(p));

    const copy = deserialize(data) as number[];
    const reference = referenceOf(copy);
    assert.deepEqual(reference.factory, { type: 'test', name: 'list' });
    assert.ok(isJsonOnly(reference), 'no promise, socket or function inside');
    await resolve(copy);
    assert.deepEqual(extract(copy), [1, 2, 3]);

    release();
    await pending;
    assert.ok(isResolved(p));
    assert.deepEqual(extract(p), [1, 2, 3]);
  });

  it('stays under 1 KB whatever the size of a populated target', () => {
    const target = Buffer.alloc(100 * 2 ** 20, 7);
    const p = createProxy(new TestFactory('list'), { target });
    assert.ok(isResolved(p));

    const data = serialize(p);
    assert.ok(data.length < 1024, `${data.length} bytes`);
    assert.ok(!Buffer.from(data).includes(Buffer.alloc(64, 7)), 'no target bytes');
    assert.ok(JSON.stringify({ p }).length < 1024);
  });
});
