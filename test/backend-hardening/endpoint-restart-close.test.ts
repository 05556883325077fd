/**
 * EndpointStore against a real endpoint daemon that restarts on another
 * port (configured with --port 0), closes while puts are in flight, and
 * connector options forged with wrong types.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import { shutdownBridge } from '../../src/bridge/index.js';
import { EndpointConnector, EndpointStore } from '../../src/endpoint/index.js';
import { InvalidArgumentError } from '../../src/errors.js';
import { fromReference, proxiesToReferences, type ProxyReference } from '../../src/index.js';
import { startCliEndpoint, type CliEndpoint } from '../endpoint/helpers.js';

const T = { timeout: 90_000 };

const SUITE = { timeout: 240_000 };

describe('EndpointStore when the endpoint restarts or the store closes', SUITE, () => {
  let home: string;
  let ep: CliEndpoint | undefined;
  const savedHome = process.env['PROXYSTORE_HOME'];

  before(async () => {
    home = await mkdtemp(join(tmpdir(), 'ps-hardening-endpoint-'));
    process.env['PROXYSTORE_HOME'] = home;
    ep = await startCliEndpoint(home, 'site');
  });

  after(async () => {
    await shutdownBridge();
    await ep?.stop();
    if (savedHome === undefined) delete process.env['PROXYSTORE_HOME'];
    else process.env['PROXYSTORE_HOME'] = savedHome;
    await rm(home, { recursive: true, force: true });
  });

  it('finds the endpoint again after it restarts on another port', T, async () => {
    const store = new EndpointStore('restart', { endpoints: [ep!.uuid], cacheSize: 0 });
    try {
      const before = await store.proxy({ n: 1 });
      const ref = (proxiesToReferences([before]) as ProxyReference[])[0] as ProxyReference;
      // The bridge worker builds (and keeps) its connector now.
      assert.equal((fromReference(structuredClone(ref)) as { n: number }).n, 1);

      const oldPort = ep!.port;
      await ep!.stop();
      ep = await startCliEndpoint(home, 'site');
      assert.notEqual(ep.port, oldPort);

      const key = await store.put({ n: 2 });
      assert.deepEqual(await store.get(key), { n: 2 });

      const after = await store.proxy({ n: 3 });
      const ref2 = (proxiesToReferences([after]) as ProxyReference[])[0] as ProxyReference;
      assert.equal((fromReference(structuredClone(ref2)) as { n: number }).n, 3);
    } finally {
      await store.close();
    }
  });

  it('close() lets puts already started finish', T, async () => {
    const store = new EndpointStore('close', { endpoints: [ep!.uuid], cacheSize: 0 });
    const puts = Array.from({ length: 20 }, (_, i) => store.put(Buffer.alloc(256 * 1024, i)));
    const closing = store.close();
    const settled = await Promise.allSettled(puts);
    await closing;
    assert.deepEqual(settled.filter((s) => s.status === 'rejected'), []);

    const reader = new EndpointStore('reader', { endpoints: [ep!.uuid], cacheSize: 0 });
    try {
      for (const s of settled) {
        if (s.status === 'fulfilled') assert.equal(await reader.exists(s.value), true);
      }
    } finally {
      await reader.close();
    }
  });

  it('rejects options of the wrong type with InvalidArgumentError', () => {
    const endpoints = [ep!.uuid];
    const bad: Record<string, unknown>[] = [
      { endpoints, timeoutMs: 'abc' },
      { endpoints, timeoutMs: -5 },
      { endpoints, proxystoreDir: 5 },
    ];
    for (const options of bad) {
      assert.throws(
        () => EndpointConnector.fromConfig(options as never),
        InvalidArgumentError,
        JSON.stringify(options),
      );
    }
  });
});
