import { DimFrameError } from '../errors.js';
import type { ChunkHeader, IncomingChunk } from './chunking.js';

/** Default cap on messages being reassembled at once on one connection. */
export const DEFAULT_MAX_PENDING_MESSAGES = 1024;

/** Options of {@link Reassembler}. */
export interface ReassemblerOptions {
  /** Largest message accepted, in bytes. */
  maxMessageSize: number;
  /**
   * Most messages being reassembled at once.
   * @defaultValue {@link DEFAULT_MAX_PENDING_MESSAGES}
   */
  maxPendingMessages?: number | undefined;
}

interface Pending {
  readonly count: number;
  readonly total: number;
  readonly buffer: Uint8Array | undefined;
  readonly seen: Set<number>;
  received: number;
  rejected: boolean;
}

/**
 * Puts chunks back into messages, keyed by message id, so chunks of
 * concurrent messages never mix. One reassembler per connection.
 *
 * A single-chunk message comes back as its pieces without a copy; a
 * multi-chunk message is copied once into a buffer of its total length.
 */
export class Reassembler {
  readonly #maxMessageSize: number;
  readonly #maxPending: number;
  readonly #pending = new Map<number, Pending>();

  constructor(options: ReassemblerOptions) {
    this.#maxMessageSize = options.maxMessageSize;
    this.#maxPending = options.maxPendingMessages ?? DEFAULT_MAX_PENDING_MESSAGES;
  }

  /** Messages started but not complete. */
  get pending(): number {
    return this.#pending.size;
  }

  /**
   * Adds a chunk. Returns the message's parts when this chunk completes it
   * (their concatenation is the message), otherwise `undefined`.
   *
   * @throws {@link DimFrameError} (with `messageId`) when the message is
   * larger than allowed, its chunks disagree, or a chunk repeats. The rest of
   * that message's chunks are then dropped quietly; other messages go on.
   */
  push(chunk: IncomingChunk): Uint8Array[] | undefined {
    const { header, pieces } = chunk;
    const length = pieces.reduce((sum, p) => sum + p.byteLength, 0);
    if (length !== header.payloadLength) {
      this.#fail(header, `it carries ${length} bytes but declares ${header.payloadLength}`);
    }

    if (header.count === 1 && !this.#pending.has(header.messageId)) {
      this.#checkSize(header);
      return [...pieces];
    }

    const entry = this.#entry(header);
    if (entry.rejected) {
      this.#count(header, entry);
      return undefined;
    }
    if (entry.seen.has(header.index)) {
      this.#fail(header, `chunk ${header.index} arrived twice`);
    }

    const buffer = entry.buffer as Uint8Array;
    let at = header.offset;
    for (const piece of pieces) {
      buffer.set(piece, at);
      at += piece.byteLength;
    }
    entry.received += header.payloadLength;
    this.#count(header, entry);

    if (entry.seen.size < entry.count) return undefined;
    if (entry.received !== entry.total) {
      this.#fail(header, `its chunks hold ${entry.received} of ${entry.total} bytes`);
    }
    return [buffer];
  }

  /** Forgets a message (for example after its request timed out). */
  discard(messageId: number): void {
    this.#pending.delete(messageId);
  }

  /** Forgets every message. */
  clear(): void {
    this.#pending.clear();
  }

  #entry(header: ChunkHeader): Pending {
    const known = this.#pending.get(header.messageId);
    if (known !== undefined) {
      if (known.count !== header.count || known.total !== header.total) {
        this.#fail(
          header,
          `chunk ${header.index} says ${header.count} chunks and ` +
            `${header.total} bytes, earlier chunks said ${known.count} and ${known.total}`,
        );
      }
      return known;
    }

    if (this.#pending.size >= this.#maxPending) {
      throw new DimFrameError(
        `Too many messages in reassembly at once (${this.#pending.size}); ` +
          `message ${header.messageId} is refused. Raise maxPendingMessages ` +
          'or send fewer concurrent requests.',
        { messageId: header.messageId },
      );
    }
    const tooLarge = header.total > this.#maxMessageSize;
    const entry: Pending = {
      count: header.count,
      total: header.total,
      buffer: tooLarge ? undefined : Buffer.allocUnsafeSlow(header.total),
      seen: new Set(),
      received: 0,
      rejected: tooLarge,
    };
    this.#pending.set(header.messageId, entry);
    if (tooLarge) {
      this.#count(header, entry);
      this.#checkSize(header);
    }
    return entry;
  }

  #count(header: ChunkHeader, entry: Pending): void {
    entry.seen.add(header.index);
    if (entry.seen.size >= entry.count) this.#pending.delete(header.messageId);
  }

  #checkSize(header: ChunkHeader): void {
    if (header.total <= this.#maxMessageSize) return;
    throw new DimFrameError(
      `Message ${header.messageId} is ${header.total} bytes, larger than ` +
        `maxMessageSize (${this.#maxMessageSize} bytes); raise maxMessageSize ` +
        'on the receiving side to accept it.',
      { messageId: header.messageId },
    );
  }

  /** Marks the message rejected (its later chunks are dropped) and throws. */
  #fail(header: ChunkHeader, problem: string): never {
    const entry = this.#pending.get(header.messageId);
    if (entry !== undefined) {
      entry.rejected = true;
      this.#count(header, entry);
    }
    throw new DimFrameError(`Malformed message ${header.messageId}: ${problem}.`, {
      messageId: header.messageId,
    });
  }
}
