import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
  chunkCount,
  chunkSpan,
  copyParts,
  FRAME_HEADER_BYTES,
  FrameError,
  readFrameHeader,
  Reassembler,
  writeFrameHeader,
} from '../../../src/endpoint/peering/chunks.js';
import { patternBytes } from './helpers.js';

const LIMITS = { maxMessageBytes: 1 << 20, maxPending: 4 };

/** Frames a whole message the way PeerConnection.send does. */
function frames(
  messageId: number,
  parts: Uint8Array[],
  maxChunk: number,
): Buffer[] {
  const total = parts.reduce((sum, part) => sum + part.byteLength, 0);
  const count = chunkCount(total, maxChunk);
  const out: Buffer[] = [];
  for (let index = 0; index < count; index++) {
    const [start, end] = chunkSpan(total, count, index);
    const frame = Buffer.alloc(FRAME_HEADER_BYTES + end - start);
    writeFrameHeader(frame, { messageId, index, count, total });
    copyParts(parts, start, end, frame, FRAME_HEADER_BYTES);
    out.push(frame);
  }
  return out;
}

describe('chunk framing', () => {
  it('round-trips a header, including totals above 4 GiB', () => {
    const total = 2 ** 33 + 5;
    const count = Math.ceil(total / 3);
    const [start, end] = chunkSpan(total, count, count - 1);
    assert.equal(end - start, 1);

    const header = { messageId: 0xfffffffe, index: 7, count, total };
    const framed = Buffer.alloc(FRAME_HEADER_BYTES + 3);
    writeFrameHeader(framed, header);
    assert.deepEqual(readFrameHeader(framed), header);
  });

  it('splits a message into spans that cover it exactly, none empty', () => {
    for (const [total, maxChunk] of [
      [0, 10],
      [1, 10],
      [10, 10],
      [11, 10],
      [9, 4],
      [1000, 7],
      [262_120 * 3 + 1, 262_120],
    ] as const) {
      const count = chunkCount(total, maxChunk);
      let next = 0;
      for (let index = 0; index < count; index++) {
        const [start, end] = chunkSpan(total, count, index);
        assert.equal(start, next);
        assert.ok(end - start <= maxChunk);
        assert.ok(total === 0 || end > start, `empty chunk ${index} of ${total}`);
        next = end;
      }
      assert.equal(next, total);
    }
  });

  it('rejects short frames, other versions and out-of-range chunks', () => {
    assert.throws(() => readFrameHeader(Buffer.alloc(10)), FrameError);

    const frame = Buffer.alloc(FRAME_HEADER_BYTES + 4);
    writeFrameHeader(frame, { messageId: 1, index: 0, count: 1, total: 4 });
    frame[0] = 9;
    assert.throws(() => readFrameHeader(frame), /version 9/);

    writeFrameHeader(frame, { messageId: 1, index: 2, count: 2, total: 4 });
    assert.throws(() => readFrameHeader(frame), /out of range/);

    writeFrameHeader(frame, { messageId: 1, index: 0, count: 1, total: 5 });
    assert.throws(() => readFrameHeader(frame), /4 bytes where 5/);
  });

  it('copies a span that crosses part boundaries', () => {
    const parts = [Buffer.from('abc'), Buffer.from(''), Buffer.from('defgh')];
    const target = Buffer.alloc(6, '.');
    copyParts(parts, 2, 6, target, 1);
    assert.equal(target.toString(), '.cdef.');
  });
});

describe('Reassembler', () => {
  it('returns a one-chunk message as a view, and an empty message', () => {
    const reassembler = new Reassembler(LIMITS);
    const [frame] = frames(1, [Buffer.from('hello')], 100);
    const message = reassembler.push(frame as Buffer);
    assert.equal(message?.toString(), 'hello');
    assert.equal(message?.buffer, frame?.buffer);

    const [empty] = frames(2, [], 100);
    assert.equal(reassembler.push(empty as Buffer)?.length, 0);
  });

  it('keeps interleaved, out-of-order messages apart', () => {
    const reassembler = new Reassembler(LIMITS);
    const first = patternBytes(1000, 1);
    const second = patternBytes(777, 2);
    const a = frames(10, [first.subarray(0, 300), first.subarray(300)], 64);
    const b = frames(11, [second], 64);

    const mixed: Buffer[] = [];
    for (let i = 0; i < Math.max(a.length, b.length); i++) {
      const fromB = b[b.length - 1 - i];
      const fromA = a[i];
      if (fromB) mixed.push(fromB);
      if (fromA) mixed.push(fromA);
    }
    mixed.reverse();

    const done: Buffer[] = [];
    for (const frame of mixed) {
      const message = reassembler.push(frame);
      if (message !== undefined) done.push(message);
    }
    assert.equal(done.length, 2);
    const byLength = new Map(done.map((m) => [m.length, m]));
    assert.ok(byLength.get(1000)?.equals(first));
    assert.ok(byLength.get(777)?.equals(second));
    assert.equal(reassembler.pendingCount, 0);
  });

  it('drops a message whose chunk arrives twice', () => {
    const reassembler = new Reassembler(LIMITS);
    const chunks = frames(3, [patternBytes(100, 3)], 40);
    reassembler.push(chunks[0] as Buffer);
    assert.throws(() => reassembler.push(chunks[0] as Buffer), /arrived twice/);
    assert.equal(reassembler.pendingCount, 0);
  });

  it('refuses messages over the size limit and too many pending ones', () => {
    const small = new Reassembler({ maxMessageBytes: 50, maxPending: 1 });
    const [big] = frames(4, [patternBytes(51, 4)], 100);
    assert.throws(() => small.push(big as Buffer), /exceeds the limit of 50/);

    const one = frames(5, [patternBytes(40, 5)], 10);
    const two = frames(6, [patternBytes(40, 6)], 10);
    small.push(one[0] as Buffer);
    assert.throws(() => small.push(two[0] as Buffer), /Too many incomplete/);
    assert.equal(small.pendingCount, 1);
  });

  it('refuses chunks that disagree on their message size', () => {
    const reassembler = new Reassembler(LIMITS);
    const a = frames(7, [patternBytes(100, 7)], 40);
    const b = frames(7, [patternBytes(120, 7)], 40);
    reassembler.push(a[0] as Buffer);
    assert.throws(() => reassembler.push(b[1] as Buffer), /disagree/);
  });
});
