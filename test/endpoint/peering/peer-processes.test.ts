/**
 * Peering across real processes: the relay runs as `proxystore-relay` (from
 * source) in a child process, endpoint B is a PeerManager in another child
 * process (fixtures/peer-child.ts), endpoint A is a PeerManager here.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';

import { WebSocket } from 'ws';

import { PeerManager } from '../../../src/endpoint/peering/peer-manager.js';
import { PeerConnectionError } from '../../../src/errors.js';
import {
  type ChildHandle,
  type RelayProcess,
  sleep,
  startPeerProcess,
  startRelayProcess,
  waitUntil,
} from './helpers.js';

const TIMEOUT = { timeout: 60_000 };
const FAST_RELAY = { initialDelayMs: 50, maxDelayMs: 500, maxAttempts: 60 };
const A = 'aaaaaaaa-0000-4000-8000-00000000000a';
const B = 'bbbbbbbb-0000-4000-8000-00000000000b';
const C = 'cccccccc-0000-4000-8000-00000000000c';

describe('peering between processes', () => {
  let relay: RelayProcess;
  let peerB: ChildHandle;
  const children: ChildHandle[] = [];
  const managers: PeerManager[] = [];

  function manager(endpointId: string): PeerManager {
    const made = new PeerManager({
      endpointId,
      relayAddress: relay.url,
      relayBackoff: FAST_RELAY,
    });
    managers.push(made);
    return made;
  }

  async function roundTrip(from: PeerManager, key: string, data: Buffer): Promise<void> {
    assert.deepEqual(await from.request(B, { op: 'set', key, data }), { ok: true });
    const got = await from.request(B, { op: 'get', key });
    assert.equal(got.ok, true);
    assert.ok(got.ok && got.data instanceof Uint8Array, 'get returns bytes');
    assert.equal(got.data.byteLength, data.length);
    assert.ok(Buffer.from(got.data).equals(data), `${key} came back intact`);
  }

  before(async () => {
    relay = await startRelayProcess();
    children.push(relay);
    peerB = await startPeerProcess(relay.url, B);
    children.push(peerB);
  });

  after(async () => {
    for (const made of managers) await made.close();
    for (const child of children) await child.stop();
  });

  it('exchanges objects of 0 bytes, one chunk and many chunks', TIMEOUT, async () => {
    const a = manager(A);
    await a.start();

    await roundTrip(a, 'empty', Buffer.alloc(0));
    await roundTrip(a, 'one-chunk', randomBytes(1000));
    await roundTrip(a, 'many-chunks', randomBytes(6 * 1024 * 1024 + 7));

    assert.deepEqual(await a.request(B, { op: 'exists', key: 'many-chunks' }), {
      ok: true,
      exists: true,
    });
    assert.deepEqual(await a.request(B, { op: 'evict', key: 'many-chunks' }), { ok: true });
    assert.deepEqual(await a.request(B, { op: 'get', key: 'many-chunks' }), {
      ok: true,
      data: null,
    });
  });

  it('carries concurrent transfers on one connection unmixed', TIMEOUT, async () => {
    const a = managers[0] ?? manager(A);
    const sizes = [0, 1, 300_000, 2_500_000, 70_000, 4_000_001, 262_000, 1_048_576];
    const objects = sizes.map((size) => randomBytes(size));

    const sets = await Promise.all(
      objects.map((data, i) => a.request(B, { op: 'set', key: `con-${i}`, data })),
    );
    assert.ok(sets.every((res) => res.ok));

    const gets = await Promise.all(
      objects.map((_, i) => a.request(B, { op: 'get', key: `con-${i}` })),
    );
    gets.forEach((res, i) => {
      assert.ok(res.ok && res.data, `get ${i} succeeded`);
      assert.ok(Buffer.from(res.data).equals(objects[i] as Buffer), `object ${i} intact`);
    });
    assert.deepEqual(a.peers, [B], 'one peer connection carried everything');
  });

  it('keeps peering through a relay restart', TIMEOUT, async () => {
    const a = managers[0] ?? manager(A);
    await roundTrip(a, 'before-restart', randomBytes(5000));
    const port = relay.port;
    const registrations = () => peerB.output().split('relay connected').length - 1;
    const before = registrations();

    assert.equal(await relay.stop(), 0, 'the relay exits cleanly on SIGTERM');
    assert.match(relay.output(), /proxystore-relay stopped/);
    await waitUntil(() => a.relay.state !== 'connected', 'A notices the relay is gone');

    await roundTrip(a, 'relay-down', randomBytes(5000));

    relay = await startRelayProcess(['--port', String(port)]);
    children.push(relay);
    await waitUntil(() => registrations() > before, 'B re-registers', 20_000);
    await waitUntil(() => a.relay.state === 'connected', 'A re-registers', 20_000);

    const c = manager(C);
    await c.start();
    await roundTrip(c, 'after-restart', randomBytes(300_000));
  });

  it('re-establishes a lost peer on the next request', TIMEOUT, async () => {
    const a = managers[0] ?? manager(A);
    await roundTrip(a, 'before-loss', randomBytes(1000));

    assert.equal(await peerB.stop(), 0, 'B closes its peer connections and exits');
    await waitUntil(() => !a.peers.includes(B), 'A drops the lost connection', 30_000);
    await assert.rejects(a.request(B, { op: 'get', key: 'x' }), PeerConnectionError);

    peerB = await startPeerProcess(relay.url, B);
    children.push(peerB);
    await roundTrip(a, 'after-loss', randomBytes(400_000));
  });

  it('a duplicate id closes the older endpoint with 4004, no loop', TIMEOUT, async () => {
    const older = peerB;
    const twin = await startPeerProcess(relay.url, B);
    children.push(twin);

    await older.waitForLine(/relay failed/);
    const lines = (text: string) => text.split('relay connected').length - 1;
    const olderCount = lines(older.output());
    const twinCount = lines(twin.output());
    await sleep(1000);
    assert.equal(lines(older.output()), olderCount, 'the older endpoint does not reconnect');
    assert.equal(lines(twin.output()), twinCount, 'the newer endpoint stays registered');
    assert.doesNotMatch(twin.output(), /relay (failed|disconnected)/);
    peerB = twin;
  });

  it('an oversized relay message closes only its sender', TIMEOUT, async () => {
    const offender = new WebSocket(relay.url);
    offender.on('error', () => undefined);
    const closed = new Promise<number>((resolve) => offender.once('close', resolve));
    await new Promise((resolve) => offender.once('open', resolve));
    offender.send(JSON.stringify({ type: 'register', id: 'offender' }));
    offender.send('x'.repeat(1024 * 1024 + 1));
    assert.equal(await closed, 1009);

    const fresh = manager('dddddddd-0000-4000-8000-00000000000d');
    await fresh.start();
    await roundTrip(fresh, 'after-offender', randomBytes(2000));
  });
});
