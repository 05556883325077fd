import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { acquireServer, localServer, serverCount } from '../../src/dim/server-registry.js';
import type { DimServerHandle, DimServerSpec } from '../../src/dim/server-registry.js';

/** A scripted spec: counts calls, starts fake servers on made-up ports. */
function fakeSpec(options: {
  host: string;
  port: number;
  answers?: boolean[];
  startError?: NodeJS.ErrnoException;
}): DimServerSpec<DimServerHandle> & { pings: number; starts: number; stops: number } {
  const answers = [...(options.answers ?? [])];
  const spec = {
    kind: 'websocket' as const,
    host: options.host,
    port: options.port,
    pings: 0,
    starts: 0,
    stops: 0,
    async ping(): Promise<boolean> {
      spec.pings++;
      return answers.shift() ?? false;
    },
    attach(host: string, port: number): DimServerHandle {
      return {
        kind: 'websocket',
        host,
        port,
        address: `${host}:${port}`,
        owned: false,
        stop: async () => undefined,
      };
    },
    async start(): Promise<DimServerHandle> {
      spec.starts++;
      await new Promise((resolve) => setImmediate(resolve));
      if (options.startError !== undefined) throw options.startError;
      const port = options.port === 0 ? 40_000 + spec.starts : options.port;
      return {
        kind: 'websocket',
        host: options.host,
        port,
        address: `${options.host}:${port}`,
        owned: true,
        stop: async () => {
          spec.stops++;
        },
      };
    },
  };
  return spec;
}

describe('acquireServer()', () => {
  it('starts one server for concurrent acquirers and stops it after the last release', async () => {
    const spec = fakeSpec({ host: '10.9.9.1', port: 0 });
    const [one, two, three] = await Promise.all([1, 2, 3].map(() => acquireServer(spec)));
    assert.ok(one !== undefined && two !== undefined && three !== undefined);
    assert.equal(spec.starts, 1);
    assert.equal(spec.pings, 0, 'port 0 never pings');
    assert.equal(localServer('websocket', '10.9.9.1', one.server.port), one.server);

    await one.release();
    await one.release(); // a second release of one lease counts once
    await two.release();
    assert.equal(spec.stops, 0);
    await three.release();
    assert.equal(spec.stops, 1);
    assert.equal(localServer('websocket', '10.9.9.1', one.server.port), undefined);
  });

  it('reuses a server that answers a ping at a fixed port', async () => {
    const spec = fakeSpec({ host: '10.9.9.2', port: 7000, answers: [true] });
    const lease = await acquireServer(spec);
    assert.equal(spec.starts, 0);
    assert.equal(lease.server.owned, false);
    await lease.release();
  });

  it('attaches to the winner when the port is taken between ping and start', async () => {
    const inUse = Object.assign(new Error('listen EADDRINUSE'), { code: 'EADDRINUSE' });
    const spec = fakeSpec({
      host: '10.9.9.3',
      port: 7001,
      answers: [false, true],
      startError: inUse,
    });
    const lease = await acquireServer(spec);
    assert.equal(spec.pings, 2);
    assert.equal(lease.server.owned, false);
    await lease.release();
  });

  it('forgets a failed start so that a later acquire tries again', async () => {
    const before = serverCount();
    const failing = fakeSpec({ host: '10.9.9.4', port: 0, startError: new Error('boom') });
    await assert.rejects(acquireServer(failing), /boom/);
    assert.equal(serverCount(), before);

    const working = fakeSpec({ host: '10.9.9.4', port: 0 });
    const lease = await acquireServer(working);
    assert.equal(working.starts, 1);
    await lease.release();
    assert.equal(serverCount(), before);
  });
});
