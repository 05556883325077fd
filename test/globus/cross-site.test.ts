/**
 * A proxy made by a GlobusStore at one site and resolved by a process at
 * another site (PROXYSTORE_GLOBUS_HOSTNAME matches the other endpoint), over
 * the Globus mock: the consumer waits for the transfer, then reads its own
 * copy of the file.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

import { proxiesToReferences, resolve } from '../../src/index.js';
import { GlobusStore } from '../../src/globus/index.js';
import { startMockSites } from '../helpers/globus-mock-sites.js';
import type { MockSites } from '../helpers/globus-mock-sites.js';

const T = { timeout: 60_000 };
const CONSUMER = fileURLToPath(new URL('./fixtures/consumer.ts', import.meta.url));

interface Result {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

describe('GlobusStore across sites (mock)', { timeout: 240_000 }, () => {
  let s: MockSites;
  let store: GlobusStore;

  /** Runs the consumer at `host` without blocking this process's mock. */
  function consumeAt(host: string, mode: string, json: string): Promise<Result> {
    return new Promise((done, fail) => {
      const child = spawn(process.execPath, ['--import', 'tsx', CONSUMER, mode, json], {
        env: { ...process.env, ...s.env, PROXYSTORE_GLOBUS_HOSTNAME: host },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const limit = setTimeout(() => child.kill('SIGKILL'), 45_000);
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
      child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
      child.on('error', fail);
      child.on('close', (code, signal) => {
        clearTimeout(limit);
        done({ code, signal, stdout, stderr });
      });
    });
  }

  before(async () => {
    s = await startMockSites(['site-a', 'site-b']);
    Object.assign(process.env, s.env, { PROXYSTORE_GLOBUS_HOSTNAME: 'site-a' });
    store = new GlobusStore('globus-sites', {
      endpoints: s.endpoints,
      pollingInterval: 20,
      timeout: 30_000,
      clear: false,
      cacheSize: 0,
    });
  });

  after(async () => {
    await store?.close({ clear: true });
    await s?.cleanup();
  });

  it('a proxy resolves in this process at the producing site', T, async () => {
    const key = await store.put({ here: true });
    const p = store.proxyFromKey<{ here: boolean }>(key);
    await resolve(p);
    assert.equal(p.here, true);
  });

  it('a consumer at the other site waits for the transfer, then resolves', T, async () => {
    s.mock.transfer.nextTasks({ kind: 'hold' });
    const p = await store.proxy({ title: 'from site a', values: [1, 2, 3, 4] });
    const json = JSON.stringify(proxiesToReferences(p));
    const polls = () => s.mock.log.filter((l) => l.startsWith('GET /v0.10/task/')).length;
    const seen = polls();

    const running = consumeAt('site-b', 'async', json);
    for (let i = 0; i < 1200 && polls() < seen + 2; i++) await sleep(25);
    assert.ok(polls() >= seen + 2, 'the consumer never polled the task');
    s.mock.transfer.releaseHeld();
    const r = await running;

    assert.equal(r.signal, null, 'the consumer hung');
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), {
      before: false,
      after: true,
      seen: { title: 'from site a', sum: 10 },
    });
    const site = s.sites.find((x) => x.name === 'site-b');
    assert.ok(site !== undefined);
    assert.ok((await readdir(site.localPath)).length > 0);
  });

  it('a consumer at the other site resolves implicitly (bridge)', T, async () => {
    const p = await store.proxy({ title: 'implicit', values: [5, 5] });
    const r = await consumeAt('site-b', 'implicit', JSON.stringify(proxiesToReferences(p)));

    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout).seen, { title: 'implicit', sum: 10 });
  });

  it('a consumer on a host no endpoint matches fails with a clear error', T, async () => {
    const p = await store.proxy({ title: 'lost', values: [] });
    const r = await consumeAt('site-z', 'async', JSON.stringify(proxiesToReferences(p)));

    assert.equal(r.code, 1);
    assert.match(r.stderr, /No Globus endpoint matches this host "site-z"/);
  });

  it('a consumer without credentials is told to run the login command', T, async () => {
    const p = await store.proxy({ title: 'locked', values: [] });
    const json = JSON.stringify(proxiesToReferences(p));
    const saved = s.env['PROXYSTORE_HOME'];
    s.env['PROXYSTORE_HOME'] = join(s.root, 'empty-home');
    try {
      const r = await consumeAt('site-b', 'async', json);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /proxystore-globus-auth login/);
    } finally {
      if (saved !== undefined) s.env['PROXYSTORE_HOME'] = saved;
    }
  });
});
