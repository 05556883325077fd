/**
 * C18: HTTP body limits for large objects. An endpoint started through the
 * CLI takes objects of 1 KiB, 20 MiB and 200 MiB as streamed binary bodies,
 * refuses one just above its limit with a typed 413 naming the limit (not
 * "missing"), and keeps its memory bounded while doing so.
 */
import assert from 'node:assert/strict';
import { randomFillSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import { EndpointConnector } from '../../src/endpoint/index.js';
import { EndpointConnectorError } from '../../src/errors.js';
import { startCliEndpoint, type CliEndpoint } from './helpers.js';

const MiB = 1024 * 1024;
const LIMIT = 200 * MiB;
const T = { timeout: 120_000 };

/** Peak resident memory of a process in bytes (Linux), or undefined. */
function peakRss(pid: number): number | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = /^VmHWM:\s+(\d+) kB/m.exec(status)?.[1];
    return kb === undefined ? undefined : Number(kb) * 1024;
  } catch {
    return undefined;
  }
}

describe('C18: body limits for large objects', { timeout: 600_000 }, () => {
  let home: string;
  let ep: CliEndpoint;
  let connector: EndpointConnector;
  let baseline: number | undefined;

  before(async () => {
    home = await mkdtemp(join(tmpdir(), 'ps-endpoint-c18-'));
    // A small memory limit makes big objects spill to disk, so the
    // endpoint's peak memory reflects its request handling alone.
    ep = await startCliEndpoint(home, 'c18', [
      '--max-object-size', String(LIMIT),
      '--memory-limit', String(8 * MiB),
    ]);
    connector = new EndpointConnector({ endpoints: [ep.uuid], proxystoreDir: home });
    baseline = peakRss(ep.pid);
  });

  after(async () => {
    await connector?.close();
    await ep?.stop();
    await rm(home, { recursive: true, force: true });
  });

  for (const [label, size] of [
    ['1 KiB', 1024],
    ['20 MiB', 20 * MiB],
    ['200 MiB (exactly the limit)', LIMIT],
  ] as const) {
    it(`puts and gets an object of ${label}`, T, async () => {
      const data = randomFillSync(Buffer.allocUnsafe(size));
      const key = await connector.put(data);
      const got = await connector.get(key);
      assert.ok(got !== null);
      assert.equal(got.byteLength, size);
      assert.ok(Buffer.from(got.buffer, got.byteOffset, got.byteLength).equals(data));
      await connector.evict(key);
    });
  }

  it('refuses an object one byte over the limit with a typed 413', T, async () => {
    const data = Buffer.alloc(LIMIT + 1);
    await assert.rejects(connector.put(data), (err: unknown) => {
      assert.ok(err instanceof EndpointConnectorError);
      assert.equal(err.status, 413);
      assert.match(err.message, new RegExp(`maximum object size of ${LIMIT} bytes`));
      return true;
    });
  });

  it('keeps the endpoint memory bounded (no whole-body copies)', T, async (t) => {
    const peak = peakRss(ep.pid);
    if (peak === undefined || baseline === undefined) {
      t.skip('peak memory is read from /proc (Linux only)');
      return;
    }
    // Growth over the idle process: one 200 MiB request buffer and some
    // slack. A string or JSON body, or a second whole copy, needs at least
    // twice the object.
    const growth = peak - baseline;
    assert.ok(
      growth < 1.4 * LIMIT,
      `peak RSS grew by ${(growth / MiB).toFixed(0)} MiB over ` +
        `${(baseline / MiB).toFixed(0)} MiB`,
    );
  });
});
