/**
 * The job-payload helpers on a LocalStore (the pattern is store-agnostic;
 * the BullMQ example test runs it on Redis).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { LocalStore, extract, isProxy, resolve } from '../../src/index.js';
import { evictJobData, proxyJobData, reviveJobData } from '../../src/redis/index.js';

describe('job payloads', () => {
  it('stores large binaries once, keeps small ones and plain values inline', async () => {
    const store = new LocalStore('jobs-a');
    const big = Buffer.alloc(100_000, 9);
    const small = Buffer.from('tiny');
    const data = {
      a: big,
      nested: { list: [big, small, 'text', 7] },
      f32: new Float32Array(4),
    };

    const referenced = await proxyJobData(store, data, { minBytes: 1024 });
    const json = JSON.parse(JSON.stringify(referenced));
    assert.ok(JSON.stringify(json).length < 2_000);
    assert.equal(json.nested.list[2], 'text');
    assert.equal(json.nested.list[3], 7);
    assert.deepEqual(json.a.factory.key, json.nested.list[0].factory.key, 'stored once');

    const revived = reviveJobData<typeof data>(json);
    assert.ok(isProxy(revived.a));
    assert.ok(isProxy(revived.nested.list[0]));
    assert.ok(!isProxy(revived.nested.list[1]));
    await resolve(revived.a);
    assert.ok(extract(revived.a).equals(big));
    assert.equal(data.a, big, 'the input is not modified');
    await store.close();
  });

  it('evictJobData() evicts what the job data references', async () => {
    const store = new LocalStore('jobs-b');
    const data = { x: Buffer.alloc(70_000), y: [Buffer.alloc(80_000)] };
    const json = JSON.parse(JSON.stringify(await proxyJobData(store, data)));

    assert.equal(await evictJobData(json), 2);
    const revived = reviveJobData<{ x: Buffer }>(json);
    await assert.rejects(resolve(revived.x), /evicted|no object/);
    await store.close();
  });

  it('leaves data without large binaries as it is', async () => {
    const store = new LocalStore('jobs-c');
    const data = { id: 1, tags: ['a'], blob: Buffer.from('small') };
    const out = (await proxyJobData(store, data)) as typeof data;
    assert.equal(out.blob, data.blob);
    assert.deepEqual(out.tags, ['a']);
    assert.equal(await evictJobData(out), 0);
    await store.close();
  });
});
