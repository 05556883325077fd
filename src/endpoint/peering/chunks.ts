/**
 * Message framing on peer data channels. A message of any size is cut into
 * chunks that each fit one data-channel message; every chunk carries a
 * 24-byte big-endian header:
 *
 * ```
 * offset  size  field
 *      0     1  version (1)
 *      1     3  reserved (0)
 *      4     4  message id (per sender and connection, wraps at 2^32)
 *      8     4  chunk index, 0-based
 *     12     4  chunk count, at least 1 (an empty message is one empty chunk)
 *     16     8  total message length in bytes
 * ```
 *
 * Chunk `i` holds bytes `[i*S, min((i+1)*S, total))` with
 * `S = ceil(total / count)`, so the receiver knows where every chunk goes and
 * how long it must be. Chunks of several messages may interleave, on one or
 * several channels and in any order; the {@link Reassembler} keeps each
 * message apart by id.
 */
import { ProxyStoreError } from '../../errors.js';

/** Bytes of the chunk header. */
export const FRAME_HEADER_BYTES = 24;

const VERSION = 1;

/** A malformed chunk, or a message beyond the receiver's limits. */
export class FrameError extends ProxyStoreError {
  override readonly name = 'FrameError';
}

/** The fields of one chunk header. */
export interface FrameHeader {
  messageId: number;
  index: number;
  count: number;
  total: number;
}

/** How many chunks of at most `maxChunk` bytes carry `total` bytes. */
export function chunkCount(total: number, maxChunk: number): number {
  return Math.max(1, Math.ceil(total / maxChunk));
}

/** Byte range `[start, end)` of chunk `index` of a message. */
export function chunkSpan(
  total: number,
  count: number,
  index: number,
): [number, number] {
  const size = Math.ceil(total / count);
  const start = Math.min(index * size, total);
  return [start, Math.min(start + size, total)];
}

/** Writes a chunk header at the start of `target`. */
export function writeFrameHeader(target: Buffer, header: FrameHeader): void {
  target.writeUInt8(VERSION, 0);
  target.writeUInt8(0, 1);
  target.writeUInt16BE(0, 2);
  target.writeUInt32BE(header.messageId, 4);
  target.writeUInt32BE(header.index, 8);
  target.writeUInt32BE(header.count, 12);
  target.writeUInt32BE(Math.floor(header.total / 2 ** 32), 16);
  target.writeUInt32BE(header.total % 2 ** 32, 20);
}

/**
 * Reads and checks a chunk header.
 *
 * @throws {@link FrameError} when the frame is short, of another version, or
 *   its fields are inconsistent.
 */
export function readFrameHeader(frame: Buffer): FrameHeader {
  if (frame.length < FRAME_HEADER_BYTES) {
    throw new FrameError(
      `A chunk of ${frame.length} bytes is shorter than its ` +
        `${FRAME_HEADER_BYTES}-byte header.`,
    );
  }
  const version = frame.readUInt8(0);
  if (version !== VERSION) {
    throw new FrameError(
      `Chunk version ${version} is not supported (want ${VERSION}).`,
    );
  }

  const header: FrameHeader = {
    messageId: frame.readUInt32BE(4),
    index: frame.readUInt32BE(8),
    count: frame.readUInt32BE(12),
    total: frame.readUInt32BE(16) * 2 ** 32 + frame.readUInt32BE(20),
  };
  if (header.count < 1 || header.index >= header.count) {
    throw new FrameError(
      `Chunk ${header.index} of ${header.count} of message ` +
        `${header.messageId} is out of range.`,
    );
  }
  if (header.total > 0 && header.count > header.total) {
    throw new FrameError(
      `Message ${header.messageId} claims ${header.count} chunks for ` +
        `${header.total} bytes.`,
    );
  }

  const [start, end] = chunkSpan(header.total, header.count, header.index);
  const length = frame.length - FRAME_HEADER_BYTES;
  if (length !== end - start) {
    throw new FrameError(
      `Chunk ${header.index} of message ${header.messageId} has ${length} ` +
        `bytes where ${end - start} were expected.`,
    );
  }
  return header;
}

/**
 * Copies bytes `[start, end)` of the concatenation of `parts` into `target`
 * at `offset`, without concatenating the parts first.
 */
export function copyParts(
  parts: readonly Uint8Array[],
  start: number,
  end: number,
  target: Buffer,
  offset: number,
): void {
  let base = 0;
  let written = offset;
  for (const part of parts) {
    const partEnd = base + part.byteLength;
    if (partEnd > start && base < end) {
      const from = Math.max(start - base, 0);
      const to = Math.min(end - base, part.byteLength);
      target.set(part.subarray(from, to), written);
      written += to - from;
    }
    base = partEnd;
    if (base >= end) break;
  }
}

/** Limits of a {@link Reassembler}. */
export interface ReassemblerLimits {
  /** Largest message accepted, in bytes. */
  maxMessageBytes: number;
  /** Most messages that may be incomplete at once. */
  maxPending: number;
}

interface Pending {
  buffer: Buffer;
  seen: Uint8Array;
  received: number;
  count: number;
}

/**
 * Puts chunks back together into messages, keeping concurrent messages apart
 * by message id.
 */
export class Reassembler {
  readonly #limits: ReassemblerLimits;
  readonly #pending = new Map<number, Pending>();

  constructor(limits: ReassemblerLimits) {
    this.#limits = limits;
  }

  /** Incomplete messages held right now. */
  get pendingCount(): number {
    return this.#pending.size;
  }

  /**
   * Takes one chunk; returns the whole message once its last chunk arrives.
   * A one-chunk message is returned as a view of the frame, without a copy.
   *
   * @throws {@link FrameError} for a malformed or duplicate chunk, or a
   *   message beyond the limits; the message it belongs to is dropped.
   */
  push(frame: Buffer): Buffer | undefined {
    const header = readFrameHeader(frame);
    const body = frame.subarray(FRAME_HEADER_BYTES);

    if (header.total > this.#limits.maxMessageBytes) {
      this.#pending.delete(header.messageId);
      throw new FrameError(
        `Message ${header.messageId} of ${header.total} bytes exceeds the ` +
          `limit of ${this.#limits.maxMessageBytes} bytes.`,
      );
    }
    if (header.count === 1) return body;

    const pending = this.#pendingFor(header);
    if (pending.seen[header.index] === 1) {
      this.#pending.delete(header.messageId);
      throw new FrameError(
        `Chunk ${header.index} of message ${header.messageId} arrived twice.`,
      );
    }

    const [start] = chunkSpan(header.total, header.count, header.index);
    pending.buffer.set(body, start);
    pending.seen[header.index] = 1;
    pending.received += 1;

    if (pending.received < pending.count) return undefined;
    this.#pending.delete(header.messageId);
    return pending.buffer;
  }

  /** Drops every incomplete message. */
  clear(): void {
    this.#pending.clear();
  }

  #pendingFor(header: FrameHeader): Pending {
    const known = this.#pending.get(header.messageId);
    if (known !== undefined) {
      if (known.count !== header.count || known.buffer.length !== header.total) {
        this.#pending.delete(header.messageId);
        throw new FrameError(
          `Chunks of message ${header.messageId} disagree on its size.`,
        );
      }
      return known;
    }

    if (this.#pending.size >= this.#limits.maxPending) {
      throw new FrameError(
        `Too many incomplete messages (${this.#pending.size}); dropping ` +
          `message ${header.messageId}.`,
      );
    }
    const fresh: Pending = {
      buffer: Buffer.allocUnsafe(header.total),
      seen: new Uint8Array(header.count),
      received: 0,
      count: header.count,
    };
    this.#pending.set(header.messageId, fresh);
    return fresh;
  }
}
