import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import {
  existsSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { after, describe, it } from 'node:test';

import { FileConnector } from '../../src/connectors/file-connector.js';
import {
  readFileFully,
  readFileFullySync,
  writeFileFully,
  writeFileFullySync,
} from '../../src/connectors/file-io.js';
import { FileConnectorError, InvalidArgumentError } from '../../src/errors.js';
import { describeConnectorContract } from '../helpers/connector-contract.js';

const root = mkdtempSync(join(tmpdir(), 'ps-file-test-'));
after(() => rmSync(root, { recursive: true, force: true }));

describeConnectorContract('FileConnector', {
  make: () => new FileConnector({ storeDir: join(root, 'contract') }),
});

describe('FileConnector', () => {
  it('makes the store directory absolute, so a cwd change does not matter', async () => {
    const rel = relative(process.cwd(), join(root, 'relative'));
    const c = new FileConnector({ storeDir: rel });
    assert.equal(c.storeDir, join(root, 'relative'));
    const key = await c.put(Buffer.from('x'));
    const cwd = process.cwd();
    process.chdir(tmpdir());
    try {
      assert.deepEqual(Buffer.from((await c.get(key)) ?? []), Buffer.from('x'));
    } finally {
      process.chdir(cwd);
    }
  });

  it('trusts only files with a .ready marker (a half-written object is no data)', async () => {
    const dir = join(root, 'marker');
    const c = new FileConnector({ storeDir: dir });
    const key = await c.put(Buffer.from('complete'));
    rmSync(join(dir, `${key.id}.ready`));
    assert.equal(await c.exists(key), false);
    assert.equal(await c.get(key), null);
    assert.equal(c.getSync(key), null);
  });

  it('rejects a missing storeDir and a malformed key with typed errors', async () => {
    assert.throws(() => new FileConnector({} as never), InvalidArgumentError);
    const c = new FileConnector({ storeDir: join(root, 'badkey') });
    await assert.rejects(c.get({ id: '../../etc/passwd' }), InvalidArgumentError);
  });

  it('close({ clear: true }) removes only its own object files', async () => {
    const dir = join(root, 'clear');
    const c = new FileConnector({ storeDir: dir });
    await c.put(Buffer.from('a'));
    writeFileSync(join(dir, 'user-notes.txt'), 'keep me');
    await c.close({ clear: true });
    assert.deepEqual(readdirSync(dir), ['user-notes.txt']);

    const dir2 = join(root, 'clear2');
    const c2 = new FileConnector({ storeDir: dir2 });
    await c2.put(Buffer.from('b'));
    await c2.close({ clear: true });
    assert.equal(existsSync(dir2), false, 'an emptied directory is removed');
    await c2.close({ clear: true });
  });

  it('close() keeps the objects by default, and two connectors on one dir both close', async () => {
    const dir = join(root, 'keep');
    const a = new FileConnector({ storeDir: dir });
    const b = new FileConnector({ storeDir: dir });
    const key = await a.put(Buffer.from('kept'));
    await a.close();
    assert.equal(await b.exists(key), true);
    await b.close({ clear: true });
    await a.close({ clear: true });
  });

  it('refuses an object file that already exists instead of overwriting it', () => {
    const dir = join(root, 'excl');
    const c = new FileConnector({ storeDir: dir });
    const key = c.putSync(Buffer.from('one'));
    assert.throws(() => writeFileFullySync(join(dir, key.id), Buffer.from('two')), /EEXIST/);
  });

  it('surfaces write failures as FileConnectorError and leaves no object behind', async () => {
    const dir = join(root, 'gone');
    const c = new FileConnector({ storeDir: dir });
    rmSync(dir, { recursive: true });
    writeFileSync(dir, 'not a directory');
    await assert.rejects(c.put(Buffer.from('x')), FileConnectorError);
    rmSync(dir);
  });
});

describe('bounded-chunk file I/O', () => {
  it('writes and reads in many small chunks, byte for byte (sync and async)', async () => {
    const data = randomBytes(1_000_003);
    const a = join(root, 'chunks-sync');
    const b = join(root, 'chunks-async');
    writeFileFullySync(a, data, 4096);
    await writeFileFully(b, data, 4096);
    assert.ok(readFileFullySync(a, 7777).equals(data));
    assert.ok((await readFileFully(b, 7777)).equals(data));
  });

  it('round-trips an object larger than 2 GiB through the connector', { timeout: 300_000 }, async () => {
    const size = 2 ** 31 + 4099;
    const data = Buffer.allocUnsafe(size);
    // A cheap, position-dependent pattern so that a misplaced chunk is caught.
    for (let i = 0; i + 4 <= size; i += 4096) data.writeUInt32LE(i >>> 0, i);
    data[size - 1] = 0xab;
    const c = new FileConnector({ storeDir: join(root, 'huge') });
    const key = await c.put(data);
    const back = c.getSync(key);
    assert.ok(back !== null);
    assert.equal(back.byteLength, size);
    assert.equal(Buffer.compare(back as Buffer, data), 0);
    await c.evict(key);
  });
});
