/**
 * EndpointStore end to end on endpoints started through the CLI: proxies
 * resolved with `await resolve`, implicitly in this process (bridge), and
 * implicitly in a consumer process that finds the endpoint on its own.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

import { shutdownBridge } from '../../src/bridge/index.js';
import { EndpointStore } from '../../src/endpoint/index.js';
import {
  extract,
  ProxyResolveMissingKeyError,
  isProxy,
  isResolved,
  proxiesToReferences,
  resolve,
  reviveProxies,
} from '../../src/index.js';
import { startCliEndpoint, type CliEndpoint } from './helpers.js';

const T = { timeout: 60_000 };
const fixture = (name: string): string =>
  fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));

describe('EndpointStore', { timeout: 300_000 }, () => {
  let home: string;
  let ep: CliEndpoint;
  let store: EndpointStore;
  const savedHome = process.env['PROXYSTORE_HOME'];

  before(async () => {
    home = await mkdtemp(join(tmpdir(), 'ps-endpoint-store-'));
    ep = await startCliEndpoint(home, 'site');
    // The store finds its endpoint from the home, as a user's process would;
    // the bridge worker and the consumer process inherit it.
    process.env['PROXYSTORE_HOME'] = home;
    store = new EndpointStore('endpoint-store-test', {
      endpoints: [ep.uuid],
      register: true,
    });
  });

  after(async () => {
    await store?.close();
    await shutdownBridge();
    await ep?.stop();
    if (savedHome === undefined) delete process.env['PROXYSTORE_HOME'];
    else process.env['PROXYSTORE_HOME'] = savedHome;
    await rm(home, { recursive: true, force: true });
  });

  it('puts and gets values through the endpoint', T, async () => {
    const key = await store.put({ a: [1, 2, 3] });
    assert.equal(key.endpointId, ep.uuid);
    assert.deepEqual(await store.get(key), { a: [1, 2, 3] });
    await store.evict(key);
    assert.equal(await store.exists(key), false);
  });

  it('a revived proxy resolves with await resolve()', T, async () => {
    const p = await store.proxy({ rows: [4, 5, 6] }, { populateTarget: false });
    const json = JSON.stringify({ data: p });
    store.cache.clear();

    const back = JSON.parse(json, reviveProxies) as { data: { rows: number[] } };
    assert.ok(isProxy(back.data));
    assert.equal(isResolved(back.data), false);
    await resolve(back.data);
    assert.equal(isResolved(back.data), true);
    assert.deepEqual(back.data.rows, [4, 5, 6]);
  });

  it('a proxy resolves implicitly (bridge) on first use', T, async () => {
    const payload = randomBytes(2 * 1024 * 1024);
    const key = await store.put(payload);
    const p = store.proxyFromKey<Buffer>(key, { kind: 'buffer' });
    store.cache.clear();

    assert.equal(isResolved(p), false);
    assert.equal(p.byteLength, payload.byteLength);
    assert.ok(Buffer.from(extract(p)).equals(payload));
  });

  it('a consumer process resolves a proxy from JSON implicitly', T, async () => {
    const p = await store.proxy({ title: 'flights', values: [1, 2, 3, 4] });
    const json = JSON.stringify(proxiesToReferences(p));

    const child = spawnSync(
      process.execPath,
      ['--import', 'tsx', fixture('consumer.ts'), json],
      { encoding: 'utf8', timeout: 30_000, env: { ...process.env, PROXYSTORE_HOME: home } },
    );
    assert.equal(child.signal, null, 'the consumer hung');
    assert.equal(child.status, 0, child.stderr);
    assert.deepEqual(JSON.parse(child.stdout), {
      before: false,
      after: true,
      bridge: true,
      seen: { title: 'flights', sum: 10 },
    });
  });

  it('a proxy of an evicted object fails to resolve with a typed error', T, async () => {
    const key = await store.put({ soon: 'gone' });
    const p = store.proxyFromKey<{ soon: string }>(key);
    await store.evict(key);
    assert.throws(() => p.soon, ProxyResolveMissingKeyError);
  });
});
