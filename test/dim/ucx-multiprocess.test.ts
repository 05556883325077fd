/**
 * UCXStore across real processes: each child owns a store whose server
 * listens on its own 127.0.0.1 port (UCX over TCP on `lo`); objects put in
 * one are fetched from the others, by key, with `await resolve` and
 * implicitly (through the bridge), including by the process that holds
 * them. Peers killed mid-transfer or frozen fail with typed errors.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';

import { ucxSkip } from './ucx-fixtures/available.js';
import {
  itSharesObjectsAcrossProcesses,
  usePeerProcesses,
} from './fixtures/cross-process-suite.js';
import { digest, patternBytes } from './fixtures/peer-data.js';
import { UCXConnector } from '../../src/dim/index.js';
import type { DimKey } from '../../src/dim/index.js';
import { loadUcxAddon } from '../../src/dim/ucx-binding.js';
import { DimPeerUnavailableError, DimTimeoutError } from '../../src/errors.js';
import { freePort } from '../helpers/redis-server.js';

const CHUNK = 64 * 1024;
const TIMEOUT = { timeout: 120_000 };

describe('UCXStore across processes', { skip: ucxSkip, timeout: 900_000 }, () => {
  const processes = usePeerProcesses(
    'ucx',
    { DIM_CHUNK_SIZE: String(CHUNK) },
    () => new UCXConnector({ timeoutMs: 10_000, chunkSize: CHUNK }),
  );

  itSharesObjectsAcrossProcesses(processes, CHUNK);

  it('keeps concurrent gets from several peers apart', TIMEOUT, async () => {
    const { a, b, c, client } = processes.peers();
    const puts = await Promise.all(
      [a, b, c, a, b].map((p, i) => p.ok({ op: 'put', size: 2 * 1024 * 1024 + i, seed: i })),
    );
    const got = await Promise.all(puts.map((p) => client.get(p.key as DimKey)));
    got.forEach((bytes, i) => assert.equal(digest(bytes), puts[i]?.digest));
  });

  it('a proxy made in A resolves implicitly in C (through the bridge)', TIMEOUT, async () => {
    const { a, c } = processes.peers();
    const made = await a.ok({ op: 'proxy', size: 300 * 1024, seed: 12 });
    const reference = made.reference ?? '';
    const resolved = await c.ok({ op: 'resolve', reference, implicit: true });
    assert.equal(resolved.size, 300 * 1024);
    assert.equal(resolved.digest, made.digest);
  });

  it('a second process on a fixed port uses the server already there', TIMEOUT, async () => {
    const { client } = processes.peers();
    const port = String(await freePort());
    const first = await processes.start({ DIM_PORT: port });
    const second = await processes.start({ DIM_PORT: port });
    assert.equal((await first.ok({ op: 'address' })).address, `127.0.0.1:${port}`);

    const put = await second.ok({ op: 'put', size: 5000, seed: 21 });
    const key = put.key as DimKey;
    assert.equal(key.port, Number(port));

    // The object lives in the first process: it outlives the second.
    await second.stop();
    assert.equal(digest(await client.get(key)), put.digest);
    await first.stop();
    await assert.rejects(client.get(key), DimPeerUnavailableError);
  });

  it('a peer killed mid-transfer fails the get with its address', TIMEOUT, async () => {
    const { b } = processes.peers();
    const d = await processes.start({ DIM_CHUNK_SIZE: String(1024 * 1024) });
    const address = (await d.ok({ op: 'address' })).address ?? '';
    const size = 512 * 1024 * 1024;
    const key = (await d.ok({ op: 'put', size, seed: 5 })).key as DimKey;
    const fresh = new UCXConnector({ timeoutMs: 30_000, chunkSize: 1024 * 1024 });
    const addon = loadUcxAddon();

    try {
      const start = addon.stats().receivedBytes;
      const getting = fresh.get(key);
      getting.catch(() => undefined);

      // Kill D once more than 1 MiB of its answer has arrived here.
      let arrived = 0;
      for (let i = 0; i < 60_000 && arrived <= 1024 * 1024; i++) {
        await sleep(1);
        arrived = addon.stats().receivedBytes - start;
      }
      assert.ok(arrived > 1024 * 1024, 'the transfer started');
      await d.kill();

      await assert.rejects(getting, (error: unknown) => {
        assert.ok(error instanceof DimPeerUnavailableError, String(error));
        assert.equal(error.address, address);
        assert.match(error.message, new RegExp(address.replace(/\./g, '\\.')));
        return true;
      });
      assert.ok(addon.stats().receivedBytes - start < size, 'D died before the end');

      // A later request to the dead peer fails the same way; others still work.
      await assert.rejects(fresh.exists(key), DimPeerUnavailableError);
      const live = (await b.ok({ op: 'put', size: 10, seed: 1 })).key as DimKey;
      assert.equal(digest(await fresh.get(live)), digest(patternBytes(10, 1)));
    } finally {
      await fresh.close();
      await d.kill();
    }
  });

  it('a frozen peer fails the request with DimTimeoutError', TIMEOUT, async () => {
    const e = await processes.start();
    const address = (await e.ok({ op: 'address' })).address ?? '';
    const key = (await e.ok({ op: 'put', size: 10, seed: 3 })).key as DimKey;
    const impatient = new UCXConnector({ timeoutMs: 500 });

    try {
      e.pause(true);
      await assert.rejects(impatient.get(key), (error: unknown) => {
        assert.ok(error instanceof DimTimeoutError, String(error));
        assert.equal(error.address, address);
        return true;
      });
      e.pause(false);
      assert.equal(digest(await impatient.get(key)), digest(patternBytes(10, 3)));
    } finally {
      e.pause(false);
      await impatient.close();
      await e.stop();
    }
  });
});
