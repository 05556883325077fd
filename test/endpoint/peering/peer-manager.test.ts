/**
 * PeerManager behaviour that needs no second process: two managers and a
 * relay in this process, over real WebRTC on 127.0.0.1.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';

import {
  PeerManager,
  type PeerRequest,
  type PeerResponse,
} from '../../../src/endpoint/peering/peer-manager.js';
import { RelayServer } from '../../../src/endpoint/peering/relay-server.js';
import {
  InvalidArgumentError,
  PeerConnectionError,
  PeerTimeoutError,
} from '../../../src/errors.js';

const TIMEOUT = { timeout: 30_000 };

/** A PeerManager that serves a Map, with a hook to misbehave per key. */
function servingManager(
  endpointId: string,
  relayAddress: string,
  extra: Partial<ConstructorParameters<typeof PeerManager>[0]> = {},
): { manager: PeerManager; objects: Map<string, Buffer> } {
  const objects = new Map<string, Buffer>();
  const manager = new PeerManager({ endpointId, relayAddress, ...extra });
  manager.onRequest(async (_from, req: PeerRequest): Promise<PeerResponse> => {
    if (req.key === 'throw') throw new Error('handler failed on purpose');
    if (req.op === 'get' && req.key === 'hang') return new Promise(() => undefined);
    switch (req.op) {
      case 'set':
        objects.set(req.key, Buffer.from(req.data ?? new Uint8Array()));
        return { ok: true };
      case 'get':
        return { ok: true, data: objects.get(req.key) ?? null };
      case 'exists':
        return { ok: true, exists: objects.has(req.key) };
      case 'evict':
        objects.delete(req.key);
        return { ok: true };
    }
  });
  return { manager, objects };
}

describe('PeerManager (one process)', () => {
  let relay: RelayServer;
  const managers: PeerManager[] = [];

  function make(id: string, extra = {}): ReturnType<typeof servingManager> {
    const made = servingManager(id, relay.url, extra);
    managers.push(made.manager);
    return made;
  }

  before(async () => {
    relay = await RelayServer.start({ port: 0 });
  });

  after(async () => {
    for (const manager of managers) await manager.close();
    await relay.close();
  });

  it('opens one connection when both sides request each other at once', TIMEOUT, async () => {
    const a = make('glare-a');
    const b = make('glare-b');
    await Promise.all([a.manager.start(), b.manager.start()]);
    a.objects.set('k', Buffer.from('from a'));
    b.objects.set('k', Buffer.from('from b'));

    const results = await Promise.all([
      a.manager.request('glare-b', { op: 'get', key: 'k' }),
      b.manager.request('glare-a', { op: 'get', key: 'k' }),
      a.manager.request('glare-b', { op: 'exists', key: 'k' }),
    ]);

    assert.deepEqual(
      results.map((r) => (r.ok ? Buffer.from(r.data ?? []).toString() || r.exists : r)),
      ['from b', 'from a', true],
    );
    assert.deepEqual(a.manager.peers, ['glare-b']);
    assert.deepEqual(b.manager.peers, ['glare-a']);
  });

  it('spreads one message over several channels', TIMEOUT, async () => {
    const a = make('multi-a', { peerChannels: 3 });
    const b = make('multi-b', { peerChannels: 3 });
    await Promise.all([a.manager.start(), b.manager.start()]);

    const data = randomBytes(3 * 1024 * 1024 + 17);
    const set = await a.manager.request('multi-b', { op: 'set', key: 'big', data });
    assert.deepEqual(set, { ok: true });
    assert.ok(b.objects.get('big')?.equals(data));

    const got = await a.manager.request('multi-b', { op: 'get', key: 'big' });
    assert.ok(got.ok && Buffer.from(got.data ?? []).equals(data));
  });

  it('answers 500 for handler errors and 503 without a handler', TIMEOUT, async () => {
    const a = make('errors-a');
    const b = make('errors-b');
    const silent = new PeerManager({ endpointId: 'errors-silent', relayAddress: relay.url });
    managers.push(silent);
    await Promise.all([a.manager.start(), b.manager.start(), silent.start()]);

    const failed = await a.manager.request('errors-b', { op: 'get', key: 'throw' });
    assert.deepEqual(failed, { ok: false, status: 500, message: 'handler failed on purpose' });

    const unserved = await a.manager.request('errors-silent', { op: 'get', key: 'k' });
    assert.equal(unserved.ok, false);
    assert.equal(!unserved.ok && unserved.status, 503);
  });

  it('times out a request the peer never answers', TIMEOUT, async () => {
    const a = make('slow-a');
    const b = make('slow-b');
    await Promise.all([a.manager.start(), b.manager.start()]);

    await assert.rejects(
      a.manager.request('slow-b', { op: 'get', key: 'hang' }, { timeoutMs: 300 }),
      (error: unknown) => error instanceof PeerTimeoutError && error.timeoutMs === 300,
    );
    const after = await a.manager.request('slow-b', { op: 'exists', key: 'hang' });
    assert.deepEqual(after, { ok: true, exists: false });
  });

  it('fails promptly for a peer the relay does not know', TIMEOUT, async () => {
    const a = make('alone-a', { requestTimeoutMs: 60_000 });
    await a.manager.start();

    await assert.rejects(
      a.manager.request('not-registered', { op: 'get', key: 'k' }),
      (error: unknown) =>
        error instanceof PeerConnectionError &&
        !(error instanceof PeerTimeoutError) &&
        /no endpoint is registered/.test(error.message),
    );
    assert.deepEqual(a.manager.peers, []);
  });

  it('refuses requests to itself and after close', TIMEOUT, async () => {
    const a = make('self-a');
    await a.manager.start();
    await assert.rejects(
      a.manager.request('self-a', { op: 'get', key: 'k' }),
      InvalidArgumentError,
    );

    await a.manager.close();
    await a.manager.close();
    await assert.rejects(a.manager.request('other', { op: 'get', key: 'k' }), /closed/);
  });

  it('rejects in-flight requests when a peer closes, then reconnects', TIMEOUT, async () => {
    const a = make('lost-a');
    const b = make('lost-b');
    await Promise.all([a.manager.start(), b.manager.start()]);
    await a.manager.request('lost-b', { op: 'set', key: 'k', data: Buffer.from('v') });

    const hanging = a.manager.request('lost-b', { op: 'get', key: 'hang' });
    const rejected = assert.rejects(hanging, PeerConnectionError);
    await b.manager.close();
    await rejected;

    const again = make('lost-b');
    again.objects.set('k', Buffer.from('new'));
    await again.manager.start();
    const got = await a.manager.request('lost-b', { op: 'get', key: 'k' });
    assert.equal(got.ok && Buffer.from(got.data ?? []).toString(), 'new');
  });
});
