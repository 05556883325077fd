import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';

import {
  CHUNK_HEADER_LENGTH,
  ChunkReader,
  Reassembler,
  chunkToMessages,
  decodeChunkHeader,
  encodeChunkHeader,
  joinChunk,
  parseJoinedChunk,
  splitMessage,
} from '../../src/dim/chunking.js';
import type { IncomingChunk, OutgoingChunk } from '../../src/dim/chunking.js';
import { DimFrameError } from '../../src/errors.js';

const KIB = 1024;

function concat(parts: readonly Uint8Array[]): Buffer {
  return Buffer.concat(parts.map((p) => Buffer.from(p.buffer, p.byteOffset, p.byteLength)));
}

/** Sends chunks through a ChunkReader (message per header/piece) into a reassembler. */
function roundTrip(
  chunks: readonly OutgoingChunk[],
  reassembler: Reassembler,
): Uint8Array[] | undefined {
  const reader = new ChunkReader();
  let result: Uint8Array[] | undefined;
  for (const chunk of chunks) {
    for (const message of chunkToMessages(chunk)) {
      const incoming = reader.push(message);
      if (incoming !== undefined) result = reassembler.push(incoming) ?? result;
    }
  }
  return result;
}

describe('chunking', () => {
  describe('encodeChunkHeader() / decodeChunkHeader()', () => {
    it('round-trips every field, including totals above 4 GiB', () => {
      const header = {
        messageId: 0xfffffffe,
        index: 3,
        count: 9000,
        payloadLength: 17,
        total: 2 ** 33 + 5,
        offset: 2 ** 33 - 12,
      };
      const bytes = encodeChunkHeader(header);
      assert.equal(bytes.byteLength, CHUNK_HEADER_LENGTH);
      assert.deepEqual(decodeChunkHeader(bytes), header);
    });

    it('rejects a wrong length, a wrong magic and inconsistent fields', () => {
      assert.throws(() => decodeChunkHeader(new Uint8Array(10)), DimFrameError);

      const good = { messageId: 7, index: 0, count: 1, payloadLength: 4, total: 4, offset: 0 };
      const bad = encodeChunkHeader(good);
      bad[0] = 0;
      assert.throws(() => decodeChunkHeader(bad), DimFrameError);

      for (const broken of [
        { ...good, index: 1 },
        { ...good, count: 0 },
        { ...good, payloadLength: 5 },
        { ...good, count: 2, offset: 2, payloadLength: 4 },
      ]) {
        assert.throws(
          () => decodeChunkHeader(encodeChunkHeader(broken)),
          (err: unknown) => err instanceof DimFrameError && err.messageId === 7,
        );
      }
    });
  });

  describe('splitMessage()', () => {
    it('makes one empty chunk for an empty message', () => {
      const chunks = splitMessage(1, [], KIB);
      assert.equal(chunks.length, 1);
      assert.equal(chunks[0]?.header.count, 1);
      assert.equal(chunks[0]?.header.total, 0);
      assert.deepEqual(chunks[0]?.pieces, []);
    });

    it('cuts across parts without copying', () => {
      const head = new Uint8Array(8).fill(1);
      const data = randomBytes(3 * KIB + 17);
      const chunks = splitMessage(2, [head, data], KIB);

      assert.equal(chunks.length, 4);
      assert.deepEqual(chunks.map((c) => c.header.payloadLength), [KIB, KIB, KIB, 25]);
      assert.equal(chunks[0]?.pieces.length, 2);
      assert.equal(chunks[1]?.pieces[0]?.buffer, data.buffer);
      assert.deepEqual(concat(chunks.flatMap((c) => c.pieces)), concat([head, data]));
    });
  });

  describe('Reassembler', () => {
    const sizes = [0, 1, KIB, KIB + 1, 3 * KIB + 17];
    for (const size of sizes) {
      it(`round-trips ${size} bytes with 1 KiB chunks`, () => {
        const data = randomBytes(size);
        const r = new Reassembler({ maxMessageSize: 1024 * KIB });
        const out = roundTrip(splitMessage(5, [data], KIB), r);
        assert.ok(out !== undefined);
        assert.deepEqual(concat(out), data);
        assert.equal(r.pending, 0);
      });
    }

    it('returns a single-chunk message without copying', () => {
      const data = randomBytes(100);
      const r = new Reassembler({ maxMessageSize: KIB });
      const [chunk] = splitMessage(1, [data], KIB);
      const out = r.push(chunk as IncomingChunk);
      assert.equal(out?.[0]?.buffer, data.buffer);
    });

    it('never mixes the chunks of interleaved messages', () => {
      const a = randomBytes(5 * KIB + 3);
      const b = randomBytes(4 * KIB + 9);
      const ca = splitMessage(10, [a], KIB);
      const cb = splitMessage(11, [b], KIB);
      const r = new Reassembler({ maxMessageSize: 64 * KIB });

      const done = new Map<number, Buffer>();
      const order = [...ca, ...cb].sort(() => Math.random() - 0.5);
      for (const chunk of order) {
        const out = r.push(chunk);
        if (out !== undefined) done.set(chunk.header.messageId, concat(out));
      }
      assert.deepEqual(done.get(10), a);
      assert.deepEqual(done.get(11), b);
      assert.equal(r.pending, 0);
    });

    it('rejects an oversized message once, drops its chunks, keeps others', () => {
      const r = new Reassembler({ maxMessageSize: 2 * KIB });
      const big = splitMessage(1, [randomBytes(4 * KIB)], KIB);
      const small = randomBytes(KIB + 5);
      const other = splitMessage(2, [small], KIB);

      assert.throws(
        () => r.push(big[0] as IncomingChunk),
        (err: unknown) => err instanceof DimFrameError && err.messageId === 1,
      );
      assert.equal(r.push(other[0] as IncomingChunk), undefined);
      for (const chunk of big.slice(1)) assert.equal(r.push(chunk), undefined);
      assert.deepEqual(concat(r.push(other[1] as IncomingChunk) ?? []), small);
      assert.equal(r.pending, 0);
    });

    it('rejects a single-chunk message above the maximum', () => {
      const r = new Reassembler({ maxMessageSize: 10 });
      const [chunk] = splitMessage(3, [randomBytes(11)], KIB);
      assert.throws(() => r.push(chunk as IncomingChunk), DimFrameError);
    });

    it('rejects a repeated chunk and chunks that disagree on the total', () => {
      const r = new Reassembler({ maxMessageSize: 64 * KIB });
      const chunks = splitMessage(4, [randomBytes(3 * KIB)], KIB);
      r.push(chunks[0] as IncomingChunk);
      assert.throws(() => r.push(chunks[0] as IncomingChunk), DimFrameError);

      const other = splitMessage(6, [randomBytes(3 * KIB)], KIB);
      r.push(other[0] as IncomingChunk);
      const liar = splitMessage(6, [randomBytes(4 * KIB)], KIB)[1] as OutgoingChunk;
      assert.throws(() => r.push(liar), DimFrameError);
    });

    it('caps the number of messages in reassembly', () => {
      const r = new Reassembler({ maxMessageSize: 64 * KIB, maxPendingMessages: 2 });
      for (const id of [1, 2]) {
        r.push(splitMessage(id, [randomBytes(2 * KIB)], KIB)[0] as OutgoingChunk);
      }
      assert.throws(
        () => r.push(splitMessage(3, [randomBytes(2 * KIB)], KIB)[0] as OutgoingChunk),
        DimFrameError,
      );
      r.discard(1);
      r.push(splitMessage(3, [randomBytes(2 * KIB)], KIB)[0] as OutgoingChunk);
      assert.equal(r.pending, 2);
    });
  });

  describe('chunkToMessages()', () => {
    it('sends a small chunk as one message', () => {
      const [chunk] = splitMessage(1, [new Uint8Array(8), randomBytes(100)], KIB);
      const messages = chunkToMessages(chunk as OutgoingChunk);
      assert.equal(messages.length, 1);
      assert.equal(messages[0]?.byteLength, CHUNK_HEADER_LENGTH + 108);
    });

    it('joins only the small leading pieces and sends a large piece uncopied', () => {
      const head = new Uint8Array(8);
      const data = randomBytes(256 * KIB);
      const [chunk] = splitMessage(2, [head, data], 1024 * KIB);
      const messages = chunkToMessages(chunk as OutgoingChunk);
      assert.equal(messages.length, 2);
      assert.equal(messages[0]?.byteLength, CHUNK_HEADER_LENGTH + 8);
      assert.equal(messages[1]?.buffer, data.buffer);

      const reader = new ChunkReader();
      assert.equal(reader.push(messages[0] as Uint8Array), undefined);
      const incoming = reader.push(messages[1] as Uint8Array);
      assert.deepEqual(concat(incoming?.pieces ?? []), concat([head, data]));
    });
  });

  describe('ChunkReader', () => {
    it('reads a chunk joined into one buffer', () => {
      const data = randomBytes(3000);
      const [chunk] = splitMessage(3, [data], 4 * KIB);
      const incoming = new ChunkReader().push(joinChunk(chunk as OutgoingChunk));
      assert.deepEqual(concat(incoming?.pieces ?? []), data);
    });

    it('rejects a first message shorter than a header', () => {
      assert.throws(() => new ChunkReader().push(new Uint8Array(12)), DimFrameError);
    });

    it('rejects payload beyond the declared length', () => {
      const reader = new ChunkReader();
      const [chunk] = splitMessage(1, [randomBytes(10)], KIB);
      reader.push(encodeChunkHeader((chunk as OutgoingChunk).header));
      assert.throws(() => reader.push(randomBytes(11)), DimFrameError);
    });
  });

  describe('joinChunk() / parseJoinedChunk()', () => {
    it('round-trips and rejects a truncated buffer', () => {
      const data = randomBytes(2 * KIB + 1);
      const r = new Reassembler({ maxMessageSize: 64 * KIB });
      let out: Uint8Array[] | undefined;
      for (const chunk of splitMessage(9, [data], KIB)) {
        out = r.push(parseJoinedChunk(joinChunk(chunk))) ?? out;
      }
      assert.deepEqual(concat(out ?? []), data);

      const joined = joinChunk(splitMessage(9, [data], KIB)[0] as OutgoingChunk);
      assert.throws(() => parseJoinedChunk(joined.subarray(0, 100)), DimFrameError);
      assert.throws(() => parseJoinedChunk(joined.subarray(0, 10)), DimFrameError);
    });
  });
});
