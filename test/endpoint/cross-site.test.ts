/**
 * Two sites on one machine: each has its own ProxyStore home with one
 * endpoint, both registered with a relay (`proxystore-relay`). A proxy made
 * at site A resolves at site B, whose endpoint forwards the request to A over
 * the WebRTC peer connection.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve as resolvePath } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

import { shutdownBridge } from '../../src/bridge/index.js';
import { EndpointConnector, EndpointStore } from '../../src/endpoint/index.js';
import { proxiesToReferences } from '../../src/index.js';
import { startCliEndpoint, type CliEndpoint } from './helpers.js';

const T = { timeout: 90_000 };
const RELAY_CLI = resolvePath(import.meta.dirname, '../../src/cli/relay.ts');
const fixture = (name: string): string =>
  fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));

/** Starts `proxystore-relay --port 0` and reads its address. */
async function startRelay(): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', RELAY_CLI, '--port', '0'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (err += d.toString()));

  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline && child.exitCode === null) {
    const match = /listening on (ws:\/\/\S+)/.exec(out);
    if (match?.[1] !== undefined) return { child, url: match[1] };
    await new Promise((done) => setTimeout(done, 50));
  }
  child.kill('SIGKILL');
  throw new Error(`the relay did not start: ${out}\n${err}`);
}

describe('a proxy made at site A resolves at site B', { timeout: 300_000 }, () => {
  let relay: { child: ChildProcess; url: string } | undefined;
  let homeA: string;
  let homeB: string;
  let a: CliEndpoint | undefined;
  let b: CliEndpoint | undefined;
  let storeA: EndpointStore | undefined;
  const savedHome = process.env['PROXYSTORE_HOME'];

  before(async () => {
    relay = await startRelay();
    homeA = await mkdtemp(join(tmpdir(), 'ps-site-a-'));
    homeB = await mkdtemp(join(tmpdir(), 'ps-site-b-'));
    a = await startCliEndpoint(homeA, 'site-a', ['--relay-address', relay.url]);
    b = await startCliEndpoint(homeB, 'site-b', ['--relay-address', relay.url]);

    process.env['PROXYSTORE_HOME'] = homeA;
    storeA = new EndpointStore('cross-site', {
      endpoints: [a.uuid, b.uuid],
      register: true,
    });
  });

  after(async () => {
    await storeA?.close();
    await shutdownBridge();
    await a?.stop();
    await b?.stop();
    relay?.child.kill('SIGTERM');
    if (savedHome === undefined) delete process.env['PROXYSTORE_HOME'];
    else process.env['PROXYSTORE_HOME'] = savedHome;
    for (const home of [homeA, homeB]) {
      if (home !== undefined) await rm(home, { recursive: true, force: true });
    }
  });

  it('each site finds its own endpoint from the same endpoint list', T, async () => {
    assert.ok(a !== undefined && b !== undefined && storeA !== undefined);
    const atB = new EndpointConnector({ endpoints: [a.uuid, b.uuid], proxystoreDir: homeB });
    try {
      assert.equal(await (storeA.connector as EndpointConnector).endpointId(), a.uuid);
      assert.equal(await atB.endpointId(), b.uuid);
    } finally {
      await atB.close();
    }
  });

  it('a consumer process at site B resolves the proxy implicitly', T, async () => {
    assert.ok(storeA !== undefined);
    const p = await storeA.proxy({ title: 'from A', values: [10, 20, 30] });
    const json = JSON.stringify(proxiesToReferences(p));

    const child = spawnSync(
      process.execPath,
      ['--import', 'tsx', fixture('consumer.ts'), json],
      { encoding: 'utf8', timeout: 60_000, env: { ...process.env, PROXYSTORE_HOME: homeB } },
    );
    assert.equal(child.signal, null, 'the consumer hung');
    assert.equal(child.status, 0, child.stderr);
    assert.deepEqual(JSON.parse(child.stdout), {
      before: false,
      after: true,
      bridge: true,
      seen: { title: 'from A', sum: 60 },
    });
  });

  it('site B reads, checks and evicts objects that A owns', T, async () => {
    assert.ok(a !== undefined && b !== undefined && storeA !== undefined);
    const data = randomBytes(3 * 1024 * 1024);
    const key = await storeA.connector.put(data);
    assert.equal(key.endpointId, a.uuid);

    const atB = new EndpointConnector({ endpoints: [a.uuid, b.uuid], proxystoreDir: homeB });
    try {
      assert.ok(Buffer.from((await atB.get(key)) ?? []).equals(data));
      assert.equal(await atB.exists(key), true);
      await atB.evict(key);
      assert.equal(await storeA.connector.exists(key), false);
      assert.equal(await atB.get(key), null);
    } finally {
      await atB.close();
    }
  });
});
