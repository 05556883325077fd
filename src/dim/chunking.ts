import { DimFrameError } from '../errors.js';

/**
 * Chunk framing shared by the DIM transports.
 *
 * A message (a list of byte parts, for example a protocol header and the
 * object's bytes) is cut into chunks of at most `chunkSize` bytes. Each chunk
 * travels as a fixed {@link CHUNK_HEADER_LENGTH}-byte header followed by its
 * payload. The header carries the message id, the chunk's index, the chunk
 * count, the message's total length and the chunk's offset, so a receiver
 * can put chunks of many concurrent messages back together without mixing
 * them, and can reject a malformed or oversized message before it allocates.
 *
 * Header layout (little-endian): magic u8, version u8, reserved u16,
 * messageId u32, index u32, count u32, payloadLength u32, reserved u32,
 * total u64, offset u64.
 *
 * Transports that keep message boundaries (WebSocket, UCX active messages)
 * send a chunk as a few messages ({@link chunkToMessages}): the header
 * joined with the small leading pieces, then each large piece on its own,
 * so large payloads are never copied and small ones cost one message. A
 * {@link ChunkReader} reads both that and a chunk joined into one buffer
 * ({@link joinChunk}); {@link parseJoinedChunk} reads the latter alone.
 */

/** Bytes in a chunk header. */
export const CHUNK_HEADER_LENGTH = 40;

/** Default largest payload of one chunk: 1 MiB. */
export const DEFAULT_CHUNK_SIZE = 1024 * 1024;

/**
 * Pieces are joined with the header into one message while the message
 * stays within this many bytes (a copy this small costs less than a
 * message).
 */
export const COALESCE_LIMIT = 64 * 1024;

const MAGIC = 0xd1;
const VERSION = 1;
const TWO_32 = 2 ** 32;

/** The facts a chunk header carries. */
export interface ChunkHeader {
  /** Id of the message; unique among the messages in flight on a connection. */
  readonly messageId: number;
  /** Position of this chunk, from 0. */
  readonly index: number;
  /** Number of chunks in the message (at least 1, also for 0 bytes). */
  readonly count: number;
  /** Bytes of payload in this chunk. */
  readonly payloadLength: number;
  /** Bytes in the whole message. */
  readonly total: number;
  /** Where this chunk's payload starts in the message. */
  readonly offset: number;
}

/** A chunk to send: its header and its payload as pieces (views, no copy). */
export interface OutgoingChunk {
  readonly header: ChunkHeader;
  readonly pieces: readonly Uint8Array[];
}

/** A chunk as received: its header and payload pieces (views, no copy). */
export interface IncomingChunk {
  readonly header: ChunkHeader;
  readonly pieces: readonly Uint8Array[];
}

/**
 * Writes a chunk header into `target` at `at` (by default into a new
 * 40-byte buffer) and returns the buffer.
 */
export function encodeChunkHeader(
  header: ChunkHeader,
  target: Buffer = Buffer.allocUnsafe(CHUNK_HEADER_LENGTH),
  at = 0,
): Buffer {
  target[at] = MAGIC;
  target[at + 1] = VERSION;
  target.writeUInt16LE(0, at + 2);
  target.writeUInt32LE(header.messageId, at + 4);
  target.writeUInt32LE(header.index, at + 8);
  target.writeUInt32LE(header.count, at + 12);
  target.writeUInt32LE(header.payloadLength, at + 16);
  target.writeUInt32LE(0, at + 20);
  writeUint64(target, at + 24, header.total);
  writeUint64(target, at + 32, header.offset);
  return target;
}

/**
 * Reads and checks a chunk header.
 *
 * @throws {@link DimFrameError} when the bytes are not a well-formed header;
 * `messageId` is set when it could be read.
 */
export function decodeChunkHeader(bytes: Uint8Array): ChunkHeader {
  if (bytes.byteLength !== CHUNK_HEADER_LENGTH) {
    throw new DimFrameError(
      `A chunk header is ${CHUNK_HEADER_LENGTH} bytes, but ` +
        `${bytes.byteLength} bytes arrived; the peer does not speak this ` +
        'protocol version.',
    );
  }
  const b = asBuffer(bytes);
  if (b[0] !== MAGIC || b[1] !== VERSION) {
    throw new DimFrameError(
      `Chunk header has magic ${String(b[0])} and version ${String(b[1])}, ` +
        `expected ${MAGIC} and ${VERSION}; the peer does not speak this ` +
        'protocol version.',
    );
  }

  const header: ChunkHeader = {
    messageId: b.readUInt32LE(4),
    index: b.readUInt32LE(8),
    count: b.readUInt32LE(12),
    payloadLength: b.readUInt32LE(16),
    total: readUint64(b, 24),
    offset: readUint64(b, 32),
  };
  checkHeader(header);
  return header;
}

/** A Buffer over the same bytes (no copy). */
export function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes)
    ? bytes
    : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function checkHeader(h: ChunkHeader): void {
  let problem: string | undefined;
  if (h.count < 1) problem = `its chunk count is ${h.count}`;
  else if (h.index >= h.count) {
    problem = `its index ${h.index} is not below its count ${h.count}`;
  } else if (h.offset + h.payloadLength > h.total) {
    problem =
      `its payload (${h.payloadLength} bytes at offset ${h.offset}) ` +
      `runs past the message length ${h.total}`;
  } else if (h.count === 1 && h.payloadLength !== h.total) {
    problem = `it is the only chunk but carries ${h.payloadLength} of ${h.total} bytes`;
  }
  if (problem !== undefined) {
    throw new DimFrameError(`Malformed chunk of message ${h.messageId}: ${problem}.`, {
      messageId: h.messageId,
    });
  }
}

/**
 * Cuts a message (the concatenation of `parts`) into chunks of at most
 * `chunkSize` payload bytes. No bytes are copied: a chunk that spans two
 * parts lists both views. An empty message is one empty chunk.
 */
export function splitMessage(
  messageId: number,
  parts: readonly Uint8Array[],
  chunkSize: number = DEFAULT_CHUNK_SIZE,
): OutgoingChunk[] {
  let total = 0;
  for (const p of parts) total += p.byteLength;
  if (total <= chunkSize) {
    const header = { messageId, index: 0, count: 1, payloadLength: total, total, offset: 0 };
    return [{ header, pieces: parts.filter((p) => p.byteLength > 0) }];
  }

  const count = Math.ceil(total / chunkSize);
  const chunks: OutgoingChunk[] = [];

  let part = 0;
  let within = 0;
  for (let index = 0; index < count; index++) {
    const offset = index * chunkSize;
    const payloadLength = Math.min(chunkSize, total - offset);
    const pieces: Uint8Array[] = [];

    let need = payloadLength;
    while (need > 0) {
      const current = parts[part] as Uint8Array;
      const take = Math.min(need, current.byteLength - within);
      if (take > 0) pieces.push(current.subarray(within, within + take));
      within += take;
      need -= take;
      if (within === current.byteLength) {
        part++;
        within = 0;
      }
    }

    const header = { messageId, index, count, payloadLength, total, offset };
    chunks.push({ header, pieces });
  }
  return chunks;
}

/**
 * The messages that carry one chunk: the header joined with the leading
 * pieces that fit in {@link COALESCE_LIMIT} bytes, then each remaining
 * non-empty piece as it is (no copy).
 */
export function chunkToMessages(chunk: OutgoingChunk): Uint8Array[] {
  const { pieces } = chunk;

  let joined = 0;
  let length = CHUNK_HEADER_LENGTH;
  while (joined < pieces.length) {
    const next = (pieces[joined] as Uint8Array).byteLength;
    if (length + next > COALESCE_LIMIT) break;
    length += next;
    joined++;
  }

  const first = encodeChunkHeader(chunk.header, Buffer.allocUnsafe(length));
  let at = CHUNK_HEADER_LENGTH;
  for (let i = 0; i < joined; i++) {
    const piece = pieces[i] as Uint8Array;
    first.set(piece, at);
    at += piece.byteLength;
  }

  const out: Uint8Array[] = [first];
  for (let i = joined; i < pieces.length; i++) {
    const piece = pieces[i] as Uint8Array;
    if (piece.byteLength > 0) out.push(piece);
  }
  return out;
}

/** One buffer holding a chunk's header and payload (copies the payload). */
export function joinChunk(chunk: OutgoingChunk): Uint8Array {
  const length = CHUNK_HEADER_LENGTH + chunk.header.payloadLength;
  const out = encodeChunkHeader(chunk.header, Buffer.allocUnsafe(length));

  let at = CHUNK_HEADER_LENGTH;
  for (const piece of chunk.pieces) {
    out.set(piece, at);
    at += piece.byteLength;
  }
  return out;
}

/** Splits a buffer made by {@link joinChunk} back into header and payload. */
export function parseJoinedChunk(bytes: Uint8Array): IncomingChunk {
  if (bytes.byteLength < CHUNK_HEADER_LENGTH) {
    throw new DimFrameError(
      `A chunk is at least ${CHUNK_HEADER_LENGTH} bytes, but ` +
        `${bytes.byteLength} bytes arrived.`,
    );
  }
  const header = decodeChunkHeader(bytes.subarray(0, CHUNK_HEADER_LENGTH));
  const payload = bytes.subarray(CHUNK_HEADER_LENGTH);
  if (payload.byteLength !== header.payloadLength) {
    throw new DimFrameError(
      `Chunk ${header.index} of message ${header.messageId} declares ` +
        `${header.payloadLength} payload bytes but carries ${payload.byteLength}.`,
      { messageId: header.messageId },
    );
  }
  return { header, pieces: [payload] };
}

/**
 * Reads chunks from a transport that keeps message boundaries: each chunk
 * is a message that starts with its header (and may hold some or all of its
 * payload), followed by as many messages as the rest of the payload takes
 * ({@link chunkToMessages}, {@link joinChunk}). One reader per connection.
 */
export class ChunkReader {
  #header: ChunkHeader | undefined;
  #pieces: Uint8Array[] = [];
  #have = 0;

  /**
   * Takes the next transport message. Returns a chunk once its payload is
   * complete, otherwise `undefined`.
   *
   * @throws {@link DimFrameError} when the stream breaks the framing; the
   * connection is then out of step and should be closed.
   */
  push(message: Uint8Array): IncomingChunk | undefined {
    if (this.#header === undefined) {
      if (message.byteLength < CHUNK_HEADER_LENGTH) {
        throw new DimFrameError(
          `A chunk starts with a ${CHUNK_HEADER_LENGTH}-byte header, but a ` +
            `${message.byteLength}-byte message arrived.`,
        );
      }
      this.#header = decodeChunkHeader(message.subarray(0, CHUNK_HEADER_LENGTH));
      message = message.subarray(CHUNK_HEADER_LENGTH);
    }

    const header = this.#header;
    this.#have += message.byteLength;
    if (this.#have > header.payloadLength) {
      this.#reset();
      throw new DimFrameError(
        `Chunk ${header.index} of message ${header.messageId} received more ` +
          `than its declared ${header.payloadLength} bytes.`,
        { messageId: header.messageId },
      );
    }
    if (message.byteLength > 0) this.#pieces.push(message);
    if (this.#have < header.payloadLength) return undefined;

    const chunk = { header, pieces: this.#pieces };
    this.#reset();
    return chunk;
  }

  #reset(): void {
    this.#header = undefined;
    this.#pieces = [];
    this.#have = 0;
  }
}

function writeUint64(target: Buffer, at: number, value: number): void {
  target.writeUInt32LE(value % TWO_32, at);
  target.writeUInt32LE(Math.floor(value / TWO_32), at + 4);
}

function readUint64(source: Buffer, at: number): number {
  return source.readUInt32LE(at) + source.readUInt32LE(at + 4) * TWO_32;
}

export {
  DEFAULT_MAX_PENDING_MESSAGES,
  Reassembler,
  type ReassemblerOptions,
} from './reassembler.js';
