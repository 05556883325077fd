// FileConnector.set() replaces an object atomically, so concurrent writers of
// one key never leave a marker without its data (exists true, get null).
import assert from 'node:assert/strict';
import {
  existsSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import {
  ShortIoError,
  writeFileFully,
  writeFileFullySync,
} from '../../src/connectors/file-io.js';
import { FileConnector } from '../../src/index.js';

describe('FileConnector: concurrent writes of one key', { timeout: 30_000 }, () => {
  let dir = '';
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'ps-hardening-file-'));
  });
  after(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('two set() of one key: a set that succeeded is readable', async () => {
    const connector = new FileConnector({ storeDir: dir });
    const a = Buffer.from('BS\naaaa');
    const b = Buffer.from('BS\nbbbb');

    for (let round = 0; round < 20; round++) {
      const key = await connector.newKey();
      const results = await Promise.allSettled([
        connector.set(key, a),
        connector.set(key, b),
      ]);
      const won = results.flatMap((r, i) =>
        r.status === 'fulfilled' ? [i === 0 ? a : b] : [],
      );
      assert.ok(won.length > 0, `round ${round}: no set succeeded`);

      const got = await connector.get(key);
      assert.ok(got !== null, `round ${round}: a set succeeded, get is null`);
      assert.ok(
        won.some((data) => Buffer.compare(data, got) === 0),
        `round ${round}: get returned bytes no successful set wrote`,
      );
      assert.equal(await connector.exists(key), true);
      assert.deepEqual(connector.getSync(key), got);
    }
  });

  it('concurrent set() of one key all succeed and the last one wins', async () => {
    const connector = new FileConnector({ storeDir: dir });
    const key = await connector.newKey();
    const writes = Array.from({ length: 8 }, (_, i) => Buffer.from(`BS\n${i}`));

    await Promise.all(writes.map((data) => connector.set(key, data)));
    const got = await connector.get(key);
    assert.ok(got !== null);
    assert.ok(writes.some((data) => Buffer.compare(data, got) === 0));
  });

  it('set() over an existing object replaces it; close(clear) removes all', async () => {
    const sub = join(dir, 'replace');
    const connector = new FileConnector({ storeDir: sub });
    const key = await connector.put(Buffer.from('BS\nold'));
    await connector.set(key, Buffer.from('BS\nnew'));
    assert.equal(String(await connector.get(key)), 'BS\nnew');

    await connector.close({ clear: true });
    assert.equal(existsSync(sub), false);
  });
});

describe('file-io: a failed write removes its own file only', () => {
  let dir = '';
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'ps-hardening-io-'));
  });
  after(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('a write that stops part-way leaves no partial file (sync and async)', async () => {
    const sync = join(dir, 'partial-sync');
    const async = join(dir, 'partial-async');
    const data = Buffer.from('some bytes');

    // A chunk size of 0 makes the first write move nothing: a short write.
    assert.throws(() => writeFileFullySync(sync, data, 0), ShortIoError);
    await assert.rejects(writeFileFully(async, data, 0), ShortIoError);
    assert.equal(existsSync(sync), false);
    assert.equal(existsSync(async), false);
  });

  it('a file that already exists is neither overwritten nor removed', async () => {
    const path = join(dir, 'taken');
    writeFileSync(path, 'first');

    assert.throws(() => writeFileFullySync(path, Buffer.from('x')), /EEXIST/);
    await assert.rejects(writeFileFully(path, Buffer.from('x')), /EEXIST/);
    assert.equal(readFileSync(path, 'utf8'), 'first');
  });
});
