import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { access, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';

import { InvalidArgumentError } from '../../src/errors.js';
import {
  GlobusApiError,
  GlobusConnectorError,
  GlobusEndpointNotFoundError,
  GlobusTaskFailedError,
  GlobusTaskTimeoutError,
} from '../../src/globus/errors.js';
import { GlobusConnector } from '../../src/globus/globus-connector.js';
import type { GlobusConnectorOptions } from '../../src/globus/globus-connector.js';
import { startMockSites } from '../helpers/globus-mock-sites.js';
import type { MockSites } from '../helpers/globus-mock-sites.js';

const T = { timeout: 30_000 };

function bytes(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}

function text(data: Uint8Array | null): string | null {
  return data === null ? null : new TextDecoder().decode(data);
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

/** Polls (bounded) until `check` holds; fails the test otherwise. */
async function eventually(what: string, check: () => boolean | Promise<boolean>) {
  for (let i = 0; i < 400; i++) {
    if (await check()) return;
    await sleep(25);
  }
  assert.fail(`timed out waiting until ${what}`);
}

describe('GlobusConnector against the Globus mock', { timeout: 300_000 }, () => {
  let s: MockSites;
  const open: GlobusConnector[] = [];

  /** A connector at one site (by host name), pointed at the mock. */
  function at(host: string, extra: Partial<GlobusConnectorOptions> = {}): GlobusConnector {
    const c = new GlobusConnector({
      endpoints: s.endpoints,
      hostname: host,
      pollingInterval: 20,
      timeout: 10_000,
      clear: false,
      ...extra,
    });
    open.push(c);
    return c;
  }

  function site(name: string) {
    const found = s.sites.find((x) => x.name === name);
    assert.ok(found !== undefined);
    return found;
  }

  before(async () => {
    s = await startMockSites(['site-a', 'site-b', 'site-c']);
    Object.assign(process.env, s.env);
  });

  after(async () => {
    await Promise.allSettled(open.map((c) => c.close({ clear: false })));
    await s?.cleanup();
  });

  describe('with two endpoints', () => {
    let two: Record<string, unknown>;

    before(() => {
      const [a, b] = s.sites;
      assert.ok(a !== undefined && b !== undefined);
      two = { [a.uuid]: s.endpoints[a.uuid], [b.uuid]: s.endpoints[b.uuid] };
    });

    it('put() at one site is read at the other after the transfer', T, async () => {
      const a = at('site-a', { endpoints: two as GlobusConnectorOptions['endpoints'] });
      const b = at('site-b', { endpoints: two as GlobusConnectorOptions['endpoints'] });
      const before = s.mock.transfer.submissions.length;

      const key = await a.put(bytes('two sites'));

      assert.equal(key.taskIds.length, 1);
      assert.equal(text(await b.get(key)), 'two sites');
      assert.equal(text(await a.get(key)), 'two sites');
      const copy = join(site('site-b').localPath, key.filename);
      assert.equal(await readFile(copy, 'utf8'), 'two sites');

      const docs = s.mock.transfer.submissions.slice(before);
      assert.equal(docs.length, 1);
      assert.deepEqual(docs[0], {
        DATA_TYPE: 'transfer',
        submission_id: docs[0]?.['submission_id'],
        source_endpoint: site('site-a').uuid,
        destination_endpoint: site('site-b').uuid,
        label: 'ProxyStore put (1 object(s))',
        sync_level: 2,
        notify_on_succeeded: false,
        notify_on_failed: false,
        notify_on_inactive: false,
        DATA: [
          {
            DATA_TYPE: 'transfer_item',
            source_path: `/proxystore/${key.filename}`,
            destination_path: `/proxystore/${key.filename}`,
            recursive: false,
          },
        ],
      });
    });
  });

  describe('with three endpoints', () => {
    it('put() submits one transfer per other endpoint; all sites read it', T, async () => {
      const a = at('site-a');
      const key = await a.put(bytes('three sites'));

      assert.equal(key.taskIds.length, 2);
      assert.equal(text(await at('site-b').get(key)), 'three sites');
      assert.equal(text(await at('site-c').get(key)), 'three sites');
      assert.equal(await at('site-c').exists(key), true);
    });

    it('putBatch() writes every file and submits one task per destination', T, async () => {
      const a = at('site-a');
      const before = s.mock.transfer.submissions.length;
      const items = [bytes('one'), bytes('two'), new Uint8Array(0), randomBytes(5000)];

      const keys = await a.putBatch(items);

      const docs = s.mock.transfer.submissions.slice(before);
      assert.equal(docs.length, 2);
      for (const doc of docs) assert.equal((doc['DATA'] as unknown[]).length, 4);
      assert.equal(new Set(keys.map((k) => k.taskIds.join())).size, 1);
      assert.equal(new Set(keys.map((k) => k.filename)).size, 4);

      const got = await at('site-c').getBatch(keys);
      got.forEach((g, i) => {
        assert.ok(g !== null);
        assert.ok(Buffer.from(g).equals(Buffer.from(items[i] as Uint8Array)));
      });
    });

    it('get() keeps polling a task that succeeds late', T, async () => {
      const a = at('site-a');
      s.mock.transfer.nextTasks({ kind: 'hold' }, 2);
      const key = await a.put(bytes('late'));
      const polls = () => s.mock.log.filter((l) => l.startsWith('GET /v0.10/task/')).length;
      const seen = polls();

      const reading = at('site-b').get(key);
      await eventually('the reader has polled the task twice', () => polls() >= seen + 2);
      assert.equal(await exists(join(site('site-b').localPath, key.filename)), false);
      s.mock.transfer.releaseHeld();

      assert.equal(text(await reading), 'late');
    });

    it('a failed transfer raises GlobusTaskFailedError with the fatal error', T, async () => {
      const a = at('site-a');
      s.mock.transfer.nextTasks({ kind: 'fail', code: 'PERMISSION_DENIED' }, 2);
      const key = await a.put(bytes('doomed'));

      await assert.rejects(
        at('site-b').get(key),
        (err: unknown) =>
          err instanceof GlobusTaskFailedError &&
          err.fatalError?.code === 'PERMISSION_DENIED' &&
          key.taskIds.includes(err.taskId),
      );
      await assert.rejects(at('site-b').exists(key), GlobusTaskFailedError);

      // Evicting a key whose copy failed still removes the source file.
      await a.evict(key);
      assert.equal(await exists(join(site('site-a').localPath, key.filename)), false);
    });

    it('a transfer that never finishes times out with a typed error', T, async () => {
      const a = at('site-a');
      s.mock.transfer.nextTasks({ kind: 'hold' }, 1);
      s.mock.transfer.nextTasks({ kind: 'inactive' }, 1);
      const key = await a.put(bytes('stuck'));
      const reader = at('site-b', { timeout: 200, pollingInterval: 20 });

      await assert.rejects(reader.get(key), (err: unknown) => {
        assert.ok(err instanceof GlobusTaskTimeoutError);
        assert.equal(err.timeoutMs, 200);
        assert.ok(['ACTIVE', 'INACTIVE'].includes(err.lastStatus));
        assert.match(err.message, /timeout option/);
        return true;
      });
      s.mock.transfer.releaseHeld();
      assert.equal(text(await at('site-b').get(key)), 'stuck');
    });

    it('evict() removes the local copy and deletes it at the other sites', T, async () => {
      const a = at('site-a');
      const key = await a.put(bytes('evict me'));
      const b = at('site-b');
      assert.equal(text(await b.get(key)), 'evict me');

      await b.evict(key);

      assert.equal(await b.exists(key), false);
      assert.equal(await b.get(key), null);
      const paths = ['site-a', 'site-c'].map((n) => join(site(n).localPath, key.filename));
      await eventually('the delete tasks removed the other copies', async () => {
        const left = await Promise.all(paths.map(exists));
        return left.every((e) => !e);
      });
      assert.equal(await a.get(key), null);
      await b.evict(key);
    });

    it('a key with tasks Transfer does not know reads as missing', T, async () => {
      const b = at('site-b');
      const fake = { filename: randomUUID(), taskIds: [randomUUID()] };
      assert.equal(await b.exists(fake), false);
      assert.equal(await b.get(fake), null);
      await b.evict(fake);
      assert.equal(await b.get({ filename: randomUUID(), taskIds: ['not-a-task'] }), null);
    });

    it('other Transfer errors while waiting propagate', T, async () => {
      const a = at('site-a');
      const key = await a.put(bytes('flaky'));
      s.mock.injectTransferErrors(500, 'ServiceError', 'Internal error.', 1);
      await assert.rejects(
        at('site-b').exists(key),
        (err: unknown) => err instanceof GlobusApiError && err.httpStatus === 500,
      );
      assert.equal(await at('site-b').exists(key), true);
    });

    it('rejects malformed keys before touching the file system', T, async () => {
      const b = at('site-b');
      const bad = { filename: '../../etc/passwd', taskIds: [randomUUID()] };
      await assert.rejects(b.get(bad), InvalidArgumentError);
      await assert.rejects(b.exists({ filename: randomUUID(), taskIds: [] }), InvalidArgumentError);
    });

    it('a put whose submission fails leaves no file behind', T, async () => {
      const ghost = randomUUID();
      const endpoints = {
        ...s.endpoints,
        [ghost]: { endpoint_path: '/x', local_path: '/nonexistent', host_regex: 'ghost' },
      };
      const a = at('site-a', { endpoints });
      const before = new Set(await readdir(site('site-a').localPath));

      await assert.rejects(
        a.put(bytes('nowhere')),
        (err: unknown) => err instanceof GlobusApiError && err.httpStatus === 404,
      );
      const afterFiles = (await readdir(site('site-a').localPath)).filter((f) => !before.has(f));
      assert.deepEqual(afterFiles, []);
    });

    it('a local_path that cannot be made gives a typed error naming it', T, async () => {
      const blocker = join(s.root, 'not-a-directory');
      await writeFile(blocker, 'x');
      const a = site('site-a');
      const endpoints = {
        ...s.endpoints,
        [a.uuid]: { ...s.endpoints[a.uuid], local_path: join(blocker, 'cache') },
      } as GlobusConnectorOptions['endpoints'];

      await assert.rejects(at('site-a', { endpoints }).put(bytes('x')), (err: unknown) => {
        assert.ok(err instanceof GlobusConnectorError);
        assert.ok(err.message.includes(join(blocker, 'cache')));
        assert.ok(err.message.includes(a.uuid));
        return true;
      });
    });

    it('fails at construction when no endpoint matches this host', () => {
      assert.throws(() => at('site-z'), GlobusEndpointNotFoundError);
    });

    it('validates options and names them', () => {
      assert.throws(() => at('site-a', { timeout: 0 }), /Invalid timeout/);
      assert.throws(() => at('site-a', { pollingInterval: -1 }), /Invalid pollingInterval/);
      assert.throws(() => at('site-a', { transferUrl: 'ftp://x' }), /Invalid transferUrl/);
      assert.throws(
        () => at('site-a', { syncLevel: 'fast' as never }),
        /Invalid syncLevel/,
      );
    });

    it('config() is JSON-safe, keeps the endpoints and not the host', () => {
      const a = at('site-a', { syncLevel: 'checksum', transferUrl: s.mock.transferUrl });
      const config = a.config();
      assert.equal(config.kind, 'globus');
      assert.deepEqual(JSON.parse(JSON.stringify(config)), config);
      assert.equal(config.options['syncLevel'], 'checksum');
      assert.equal(config.options['transferUrl'], s.mock.transferUrl);
      assert.equal('hostname' in config.options, false);

      process.env['PROXYSTORE_GLOBUS_HOSTNAME'] = 'site-c';
      try {
        const rebuilt = GlobusConnector.fromConfig(config.options);
        open.push(rebuilt);
        assert.equal(rebuilt.localEndpoint.uuid, site('site-c').uuid);
      } finally {
        delete process.env['PROXYSTORE_GLOBUS_HOSTNAME'];
      }
    });
  });

  describe('close()', () => {
    it('with clear deletes the store directory on every endpoint', T, async () => {
      const a = at('site-a');
      const key = await a.put(bytes('to clear'));
      assert.equal(text(await at('site-b').get(key)), 'to clear');
      assert.equal(text(await at('site-c').get(key)), 'to clear');

      await a.close({ clear: true });
      await a.close({ clear: true });

      for (const x of s.sites) assert.equal(await exists(x.localPath), false, x.name);
    });

    it('without clear (the default) leaves the files alone', T, async () => {
      const a = at('site-a');
      const key = await a.put(bytes('kept'));
      await at('site-b').get(key);
      await a.close();
      assert.equal(await exists(join(site('site-b').localPath, key.filename)), true);
    });
  });
});
