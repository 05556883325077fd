import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';

import {
  decodeRequest,
  decodeResponse,
  encodeRequest,
  encodeResponse,
} from '../../src/dim/protocol.js';
import type { DimResponse } from '../../src/dim/protocol.js';
import { DimFrameError } from '../../src/errors.js';

describe('protocol', () => {
  describe('requests', () => {
    it('round-trips a put without copying its data', () => {
      const id = randomUUID();
      const data = randomBytes(1000);
      const parts = encodeRequest({ op: 'put', id, data });
      assert.equal(parts[1], data);

      const back = decodeRequest(parts);
      assert.equal(back.op, 'put');
      assert.equal(back.id, id);
      assert.equal(back.data, data);
    });

    it('round-trips the other ops from one joined buffer', () => {
      for (const op of ['get', 'exists', 'evict', 'ping'] as const) {
        const id = op === 'ping' ? '' : randomUUID();
        const joined = Buffer.concat(encodeRequest({ op, id }));
        assert.equal(joined.byteLength % 8, 0);
        assert.deepEqual(decodeRequest([joined]), { op, id });
      }
    });

    it('reads a header split across parts', () => {
      const joined = Buffer.concat(encodeRequest({ op: 'put', id: 'abc', data: randomBytes(5) }));
      const parts = [joined.subarray(0, 3), joined.subarray(3, 12), joined.subarray(12)];
      const back = decodeRequest(parts);
      assert.equal(back.id, 'abc');
      assert.deepEqual(Buffer.from(back.data ?? []), joined.subarray(16));
    });

    it('rejects a short message, a bad version and a bad op', () => {
      assert.throws(() => decodeRequest([new Uint8Array(3)]), DimFrameError);
      const parts = encodeRequest({ op: 'get', id: 'x' });
      const bad = Buffer.concat(parts);
      bad[0] = 9;
      assert.throws(() => decodeRequest([bad]), DimFrameError);
      bad[0] = 1;
      bad[1] = 77;
      assert.throws(() => decodeRequest([bad]), DimFrameError);
      bad[1] = 1;
      bad[2] = 200;
      assert.throws(() => decodeRequest([bad]), DimFrameError);
    });
  });

  describe('responses', () => {
    it('round-trips every status', () => {
      const data = randomBytes(64);
      const cases: DimResponse[] = [
        { status: 'ok', data },
        { status: 'missing' },
        { status: 'exists', exists: true },
        { status: 'exists', exists: false },
        { status: 'error', message: 'Object too large.' },
      ];
      for (const response of cases) {
        const back = decodeResponse([Buffer.concat(encodeResponse(response))]);
        assert.deepEqual(
          back.status === 'ok' ? { ...back, data: Buffer.from(back.data ?? []) } : back,
          response,
        );
      }
    });

    it('gives an empty ok answer empty data', () => {
      const back = decodeResponse(encodeResponse({ status: 'ok' }));
      assert.equal(back.status, 'ok');
      assert.equal(back.status === 'ok' ? back.data?.byteLength : -1, 0);
    });

    it('returns the data as a view when it is contiguous', () => {
      const joined = Buffer.concat(encodeResponse({ status: 'ok', data: randomBytes(32) }));
      const back = decodeResponse([joined]);
      assert.ok(back.status === 'ok');
      assert.equal(back.data?.buffer, joined.buffer);
    });

    it('rejects an unknown status', () => {
      const joined = Buffer.concat(encodeResponse({ status: 'missing' }));
      joined[1] = 99;
      assert.throws(() => decodeResponse([joined]), DimFrameError);
    });
  });
});
