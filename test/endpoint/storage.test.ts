import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import {
  EndpointStorage,
  type StoredObject,
} from '../../src/endpoint/storage/endpoint-storage.js';

const TIMEOUT = { timeout: 30_000 };

async function bytesOf(found: StoredObject | null): Promise<Buffer | null> {
  if (found === null) return null;
  if (found.kind === 'memory') return found.data;

  try {
    const data = Buffer.alloc(found.size);
    await found.handle.read(data, 0, found.size, 0);
    return data;
  } finally {
    await found.handle.close();
  }
}

describe('EndpointStorage', () => {
  let root: string;

  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'ps-endpoint-storage-'));
  });

  after(async () => {
    await rm(root, { recursive: true, force: true });
  });

  describe('in memory', () => {
    it('stores, finds, and evicts an object', TIMEOUT, async () => {
      const storage = new EndpointStorage({
        memoryLimit: 1024,
        spillDir: join(root, 'basic-spill'),
      });
      await storage.open();
      try {
        await storage.set('k', Buffer.from('value'));
        assert.equal(await storage.exists('k'), true);
        assert.deepEqual(await bytesOf(await storage.get('k')), Buffer.from('value'));

        await storage.evict('k');
        await storage.evict('k');
        assert.equal(await storage.exists('k'), false);
        assert.equal(await storage.get('k'), null);
        assert.equal(storage.memoryBytes, 0);
      } finally {
        await storage.close();
      }
    });

    it('keeps a 0-byte object as a value, not a miss', TIMEOUT, async () => {
      const storage = new EndpointStorage({
        memoryLimit: 1024,
        spillDir: join(root, 'empty-spill'),
      });
      await storage.open();
      try {
        await storage.set('empty', Buffer.alloc(0));
        assert.equal(await storage.exists('empty'), true);
        assert.equal((await bytesOf(await storage.get('empty')))?.byteLength, 0);
      } finally {
        await storage.close();
      }
    });

    it('spills the oldest objects to disk past the memory limit', TIMEOUT, async () => {
      const spillDir = join(root, 'spill');
      const storage = new EndpointStorage({ memoryLimit: 3000, spillDir });
      await storage.open();
      try {
        const objects = [0, 1, 2, 3].map(() => randomBytes(1000));
        for (const [i, data] of objects.entries()) await storage.set(`k${i}`, data);

        assert.ok(storage.memoryBytes <= 3000, `memory ${storage.memoryBytes}`);
        const first = await storage.get('k0');
        assert.equal(first?.kind, 'file', 'the oldest object is on disk');
        assert.deepEqual(await bytesOf(first), objects[0]);
        for (const [i, data] of objects.entries()) {
          assert.deepEqual(await storage.getBytes(`k${i}`), data);
        }

        await storage.evict('k0');
        assert.equal(await storage.exists('k0'), false);
        assert.deepEqual(await readdir(spillDir), []);
      } finally {
        await storage.close();
      }
    });

    it('writes an object larger than the memory limit to disk', TIMEOUT, async () => {
      const storage = new EndpointStorage({
        memoryLimit: 100,
        spillDir: join(root, 'big-spill'),
      });
      await storage.open();
      try {
        const data = randomBytes(5000);
        await storage.set('big', data);
        assert.equal(storage.memoryBytes, 0);
        assert.deepEqual(await bytesOf(await storage.get('big')), data);
      } finally {
        await storage.close();
      }
    });

    it('replaces an object on a second set of its key', TIMEOUT, async () => {
      const storage = new EndpointStorage({
        memoryLimit: 100,
        spillDir: join(root, 'replace-spill'),
      });
      await storage.open();
      try {
        await storage.set('k', randomBytes(500));
        await storage.set('k', Buffer.from('small'));
        assert.deepEqual(await storage.getBytes('k'), Buffer.from('small'));
        assert.equal(storage.memoryBytes, 5);
      } finally {
        await storage.close();
      }
    });

    it('wipes its scratch folder at open and close', TIMEOUT, async () => {
      const spillDir = join(root, 'wiped');
      const first = new EndpointStorage({ memoryLimit: 10, spillDir });
      await first.open();
      await first.set('k', randomBytes(100));
      assert.equal((await readdir(spillDir)).length, 1);
      await first.close();
      await first.close();
      await assert.rejects(readdir(spillDir), { code: 'ENOENT' });

      const second = new EndpointStorage({ memoryLimit: 10, spillDir });
      await second.open();
      try {
        assert.equal(await second.exists('k'), false);
      } finally {
        await second.close();
      }
    });

    it('ends concurrent sets and evicts of one key consistently', TIMEOUT, async () => {
      const storage = new EndpointStorage({
        memoryLimit: 2000,
        spillDir: join(root, 'race-spill'),
      });
      await storage.open();
      try {
        const ops: Promise<void>[] = [];
        for (let i = 0; i < 50; i++) {
          ops.push(storage.set('k', randomBytes(300)));
          ops.push(storage.set(`other${i}`, randomBytes(300)));
          if (i % 7 === 0) ops.push(storage.evict('k'));
        }
        ops.push(storage.evict('k'));
        await Promise.all(ops);

        assert.equal(await storage.exists('k'), false);
        assert.ok(storage.memoryBytes <= 2000);
      } finally {
        await storage.close();
      }
    });
  });

  describe('with a database folder', () => {
    it('keeps objects across a restart', TIMEOUT, async () => {
      const databasePath = join(root, 'db');
      const options = { memoryLimit: 1 << 20, databasePath, spillDir: join(root, 'x') };
      const data = randomBytes(4096);

      const first = new EndpointStorage(options);
      await first.open();
      await first.set('kept', data);
      await first.set('gone', Buffer.from('bye'));
      await first.evict('gone');
      await first.close();

      const second = new EndpointStorage(options);
      await second.open();
      try {
        assert.equal(second.persistent, true);
        assert.deepEqual(await bytesOf(await second.get('kept')), data);
        assert.equal(await second.exists('gone'), false);
      } finally {
        await second.close();
      }
    });

    it('never reads a half-written temporary file as data', TIMEOUT, async () => {
      const databasePath = join(root, 'db-tmp');
      const storage = new EndpointStorage({
        memoryLimit: 1 << 20,
        databasePath,
        spillDir: join(root, 'y'),
      });
      await storage.open();
      await storage.set('k', Buffer.from('whole'));
      const [name] = await readdir(databasePath);
      await writeFile(join(databasePath, `${name}.abc.tmp`), 'half');
      await storage.close();

      const reopened = new EndpointStorage({
        memoryLimit: 1 << 20,
        databasePath,
        spillDir: join(root, 'y'),
      });
      await reopened.open();
      try {
        assert.deepEqual((await readdir(databasePath)).length, 1);
        assert.deepEqual(await reopened.getBytes('k'), Buffer.from('whole'));
      } finally {
        await reopened.close();
      }
    });
  });
});
