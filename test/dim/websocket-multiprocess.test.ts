/**
 * WebsocketStore across real processes: each child owns a store whose
 * server listens on its own 127.0.0.1 port; objects put in one are fetched
 * from the others, by key, with `await resolve` and implicitly (through the
 * bridge), including by the process that holds them.
 */
import assert from 'node:assert/strict';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import type { Socket } from 'node:net';
import { describe, it } from 'node:test';

import { WebsocketConnector } from '../../src/dim/index.js';
import type { DimKey } from '../../src/dim/index.js';
import { DimPeerUnavailableError } from '../../src/errors.js';
import {
  itSharesObjectsAcrossProcesses,
  usePeerProcesses,
} from './fixtures/cross-process-suite.js';
import { digest, patternBytes } from './fixtures/peer-data.js';

const CHUNK = 64 * 1024;
const TIMEOUT = { timeout: 120_000 };

describe('WebsocketStore across processes', { timeout: 600_000 }, () => {
  const processes = usePeerProcesses(
    'websocket',
    { DIM_CHUNK_SIZE: String(CHUNK) },
    () => new WebsocketConnector({ timeoutMs: 10_000, chunkSize: CHUNK }),
  );

  itSharesObjectsAcrossProcesses(processes, CHUNK);

  it('serves concurrent gets of different objects over one connection', TIMEOUT, async () => {
    const { a, client } = processes.peers();
    const puts = await Promise.all(
      [1, 2, 3, 4].map((seed) => a.ok({ op: 'put', size: 2 * 1024 * 1024 + seed, seed })),
    );
    const got = await Promise.all(puts.map((p) => client.get(p.key as DimKey)));
    got.forEach((bytes, i) => assert.equal(digest(bytes), puts[i]?.digest));
  });

  it('a proxy made in A resolves implicitly in C (through the bridge)', TIMEOUT, async () => {
    const { a, c } = processes.peers();
    const made = await a.ok({ op: 'proxy', size: 300 * 1024, seed: 12 });
    const reference = made.reference ?? '';
    const resolved = await c.ok({ op: 'resolve', reference, implicit: true });
    assert.equal(resolved.digest, made.digest);
  });

  it('a peer killed mid-transfer fails the get with its address', TIMEOUT, async () => {
    const { b } = processes.peers();
    const d = await processes.start();
    const address = (await d.ok({ op: 'address' })).address;
    const key = (await d.ok({ op: 'put', size: 64 * 1024 * 1024, seed: 5 })).key as DimKey;

    // Kill D once more than 1 MiB of its answer has arrived here.
    let received = 0;
    let killing: Promise<void> | undefined;
    const onSocket = ({ socket }: { socket: Socket }): void => {
      socket.on('data', (data: Buffer) => {
        received += data.byteLength;
        if (received > 1024 * 1024) killing ??= d.kill();
      });
    };
    subscribe('net.client.socket', onSocket as (message: unknown) => void);
    const fresh = new WebsocketConnector({ timeoutMs: 10_000, chunkSize: CHUNK });
    try {
      await assert.rejects(fresh.get(key), (error: unknown) => {
        assert.ok(error instanceof DimPeerUnavailableError, String(error));
        assert.equal(error.address, address);
        assert.match(error.message, new RegExp(address?.replace(/\./g, '\\.') ?? ''));
        return true;
      });
      assert.ok(killing !== undefined, 'the peer was killed during the transfer');
      await killing;

      // A later request to the dead peer fails the same way, and others still work.
      await assert.rejects(fresh.exists(key), DimPeerUnavailableError);
      const live = (await b.ok({ op: 'put', size: 10, seed: 1 })).key as DimKey;
      assert.equal(digest(await fresh.get(live)), digest(patternBytes(10, 1)));
    } finally {
      unsubscribe('net.client.socket', onSocket as (message: unknown) => void);
      await fresh.close();
      await d.kill();
    }
  });
});
