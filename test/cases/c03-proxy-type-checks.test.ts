// C03: type checks and native consumers facing a proxy (proxy level, with a
// counting factory). Each check has a pinned, documented result; extract(p)
// is the way to hand the real object to native APIs.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { types } from 'node:util';

import { createProxy, extract } from '../../src/proxy/index.js';
import { CountingFactory } from '../proxy/counting-factory.js';

describe('C03: type checks on proxies of a Buffer and an array', () => {
  let dir = '';
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'proxystore-c03-'));
  });
  after(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  function bufferProxy(): { factory: CountingFactory<Buffer>; p: Buffer } {
    const factory = new CountingFactory(() => Buffer.from('ab'));
    return { factory, p: createProxy(factory, { kind: 'buffer' }) };
  }

  it('Buffer.isBuffer(p) is true, without resolving', () => {
    const { factory, p } = bufferProxy();
    assert.equal(Buffer.isBuffer(p), true);
    assert.equal(p instanceof Uint8Array, true);
    assert.equal(Object.prototype.toString.call(p), '[object Uint8Array]');
    assert.equal(factory.calls, 0);
  });

  it('slot checks are false: ArrayBuffer.isView, util.types.isUint8Array', () => {
    const { p } = bufferProxy();
    assert.equal(ArrayBuffer.isView(p), false);
    assert.equal(types.isUint8Array(p), false);
    assert.equal(types.isProxy(p), true);
  });

  it('Buffer.concat([p]) throws; Buffer.concat([extract(p)]) works', () => {
    const { p } = bufferProxy();
    assert.throws(() => Buffer.concat([p]), TypeError);
    assert.equal(Buffer.concat([extract(p)]).toString(), 'ab');
  });

  it('TextDecoder.decode(p) throws; decode(extract(p)) works', () => {
    const { p } = bufferProxy();
    assert.throws(() => new TextDecoder().decode(p), TypeError);
    assert.equal(new TextDecoder().decode(extract(p)), 'ab');
  });

  it('fs.writeFileSync(f, p) throws; writeFileSync(f, extract(p)) works', () => {
    const { p } = bufferProxy();
    const file = join(dir, 'out.bin');

    assert.throws(() => writeFileSync(file, p), TypeError);
    writeFileSync(file, extract(p));
    assert.equal(readFileSync(file, 'utf8'), 'ab');
  });

  it('structuredClone(p) throws DataCloneError', () => {
    const { p } = bufferProxy();
    assert.throws(() => structuredClone(p), { name: 'DataCloneError' });
  });

  it('methods and copies through the proxy work', () => {
    const { factory, p } = bufferProxy();
    assert.equal(p.length, 2);
    assert.equal(p.toString(), 'ab');
    assert.equal(p.readUInt8(0), 0x61);
    assert.deepEqual(Buffer.from(p), Buffer.from('ab'));
    assert.deepEqual([...p.subarray(1)], [0x62]);
    assert.equal(factory.syncCalls, 1);
  });

  it('an array proxy: Array.isArray and instanceof Array are both true', () => {
    const factory = new CountingFactory(() => [1, 2, 3]);
    const q = createProxy(factory, { kind: 'array' });

    assert.equal(Array.isArray(q), true);
    assert.equal(q instanceof Array, true);
    assert.equal(factory.calls, 0, 'both answered from the kind');
    assert.deepEqual(q.slice(1), [2, 3]);
  });

  it("an array behind an 'instance' shell: isArray false, instanceof Array true", () => {
    const q = createProxy(() => [1, 2, 3], { kind: 'instance' });
    assert.equal(Array.isArray(q), false, 'the shell decides Array.isArray');
    assert.equal(q instanceof Array, true);
  });
});
