import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';

import { EndpointClient } from '../../src/endpoint/client.js';
import { Forwarder, type PeerLink } from '../../src/endpoint/forwarding.js';
import type { PeerRequest, PeerResponse } from '../../src/endpoint/peering/peer-manager.js';
import { EndpointConnectorError } from '../../src/errors.js';
import { startTestServer, type TestServer } from './helpers.js';

const TIMEOUT = { timeout: 30_000 };

type Handler = (fromId: string, req: PeerRequest) => Promise<PeerResponse>;

/**
 * Peer links that deliver requests in-process, as a relay and data channels
 * would, so that forwarding is tested without WebRTC.
 */
class LoopbackNetwork {
  readonly handlers = new Map<string, Handler>();
  requests: { from: string; to: string; op: string }[] = [];

  link(ownId: string): PeerLink {
    return {
      onRequest: (handler) => {
        this.handlers.set(ownId, handler);
      },
      request: async (peerId, req) => {
        this.requests.push({ from: ownId, to: peerId, op: req.op });
        const handler = this.handlers.get(peerId);
        if (handler === undefined) throw new Error(`peer ${peerId} is not connected`);
        return handler(ownId, req);
      },
    };
  }
}

describe('forwarding between endpoints', () => {
  const network = new LoopbackNetwork();
  const idA = randomUUID();
  const idB = randomUUID();
  let a: TestServer;
  let b: TestServer;
  let clientA: EndpointClient;
  let clientB: EndpointClient;

  before(async () => {
    a = await startTestServer({ uuid: idA, forwarder: new Forwarder(network.link(idA)) });
    b = await startTestServer({
      uuid: idB,
      forwarder: new Forwarder(network.link(idB)),
      maxObjectSize: 1000,
    });
    clientA = new EndpointClient({ host: '127.0.0.1', port: a.port });
    clientB = new EndpointClient({ host: '127.0.0.1', port: b.port });
  });

  after(async () => {
    clientA?.close();
    clientB?.close();
    await a?.close();
    await b?.close();
  });

  it('gets at B an object stored at A', TIMEOUT, async () => {
    const data = randomBytes(500);
    await clientA.set('obj', data, idA);
    network.requests = [];

    assert.deepEqual(await clientB.get('obj', idA), data);
    assert.deepEqual(network.requests, [{ from: idB, to: idA, op: 'get' }]);
  });

  it('forwards set, exists and evict to the owner', TIMEOUT, async () => {
    const data = randomBytes(300);
    await clientB.set('remote', data, idA);
    assert.equal(await clientA.exists('remote', idA), true);
    assert.equal(await clientB.exists('remote', idA), true);
    assert.equal(await clientB.exists('remote', idB), false, 'B keeps no copy');

    await clientB.evict('remote', idA);
    assert.equal(await clientA.exists('remote'), false);
    assert.equal(await clientB.get('remote', idA), null);
  });

  it('answers 404 at B for a key A does not have', TIMEOUT, async () => {
    assert.equal(await clientB.get('never-stored', idA), null);
  });

  it('passes the owner\'s 413 back, naming its limit', TIMEOUT, async () => {
    await assert.rejects(clientA.set('big', randomBytes(2000), idB), (err: unknown) => {
      assert.ok(err instanceof EndpointConnectorError);
      assert.equal(err.status, 413);
      assert.match(err.serverMessage ?? '', /maximum object size of 1000 bytes/);
      return true;
    });
  });

  it('answers 500 naming the peer when it cannot be reached', TIMEOUT, async () => {
    const stranger = randomUUID();
    await assert.rejects(clientA.get('k', stranger), (err: unknown) => {
      assert.ok(err instanceof EndpointConnectorError);
      assert.equal(err.status, 500);
      assert.match(err.serverMessage ?? '', new RegExp(`to endpoint ${stranger} failed`));
      return true;
    });
  });
});
