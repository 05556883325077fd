// C04 and C08 at the store level: identity operations on store proxies do no
// I/O, and a store proxy's reference stays small and free of live state,
// whatever the target's size and even while an async resolve is in flight.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import { types } from 'node:util';

import {
  FileStore,
  getFactory,
  isProxy,
  isResolved,
  resolve,
  resolveAsync,
  Store,
  StoreFactory,
} from '../../src/index.js';
import { CountingConnector } from '../helpers/counting-connector.js';

const run = promisify(execFile);
const root = new URL('../../', import.meta.url).pathname;

describe('C04: store proxies and introspection', () => {
  it('identity operations do no connector reads; a value operation reads once', async () => {
    const connector = new CountingConnector();
    const store = new Store(`c04-${process.pid}`, connector, { register: true });
    const p = await store.proxy({ a: 1 }, { populateTarget: false });

    assert.equal(p === p, true);
    new Set([p]).has(p);
    new Map([[p, 1]]).get(p);
    assert.equal(typeof p, 'object');
    assert.equal(types.isProxy(p), true);
    assert.equal(isProxy(p), true);
    JSON.stringify(p);
    JSON.stringify({ nested: [p] });
    assert.equal(connector.reads, 0);

    assert.equal(p.a, 1);
    assert.equal(p.a, 1);
    assert.equal(connector.reads, 1);
    await store.close();
  });

  it('a proxy made with populateTarget (the default) reads nothing at all', async () => {
    const connector = new CountingConnector();
    const store = new Store(`c04b-${process.pid}`, connector);
    const p = await store.proxy([1, 2, 3]);
    assert.deepEqual([...p], [1, 2, 3]);
    assert.equal(connector.reads, 0);
  });
});

describe('C08: store factory references', { timeout: 120_000 }, () => {
  it('stay under 1 KB for a 100 MB target and hold only key, config and flags', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ps-c08-'));
    const store = new FileStore(`c08-${process.pid}`, { storeDir: dir, register: true });
    try {
      const big = Buffer.alloc(100 * 1024 * 1024, 7);
      const p = await store.proxy(big, { evict: false });
      assert.ok(isResolved(p), 'the producer proxy holds the 100 MB target');
      const text = JSON.stringify(p);
      assert.ok(text.length < 1024, `reference is ${text.length} bytes`);
      const ref = JSON.parse(text) as { factory: Record<string, unknown> };
      assert.deepEqual(Object.keys(ref.factory).sort(), ['evict', 'key', 'store', 'type']);

      // Serialized while an async resolve is in flight: still small, still
      // resolvable elsewhere, and the original's pending resolve settles.
      const q = store.proxyFromKey<Buffer>((getFactory(p) as StoreFactory).key as never, {
        kind: 'buffer',
      });
      resolveAsync(q);
      const during = JSON.stringify(q);
      assert.ok(during.length < 1024);
      assert.doesNotMatch(during, /Promise|inflight|"target"/i);

      const script =
        "import { extract, reviveProxies } from './src/index.ts';" +
        `const p = JSON.parse(${JSON.stringify(during)}, reviveProxies);` +
        'const b = extract(p); console.log(b.length, b[0], b[b.length - 1]);';
      const { stdout } = await run(
        process.execPath,
        ['--import', 'tsx', '--input-type=module', '-e', script],
        { cwd: root, timeout: 60_000, maxBuffer: 1024 * 1024 },
      );
      assert.equal(stdout.trim(), `${100 * 1024 * 1024} 7 7`);

      await resolve(q);
      assert.ok(isResolved(q));
      assert.equal(q.length, big.length);
    } finally {
      await store.close({ clear: true });
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
