/**
 * The sending half of a peer connection: frames each message into chunks
 * (chunks.ts), spreads the chunks round-robin over the data channels, and
 * waits while a channel buffers more than the high-water mark.
 */
import type { DataChannel } from 'node-datachannel';

import {
  chunkCount,
  chunkSpan,
  copyParts,
  FRAME_HEADER_BYTES,
  writeFrameHeader,
} from './chunks.js';

/** How long a blocked sender waits before it looks at the buffer again. */
const DRAIN_POLL_MS = 100;

/** Chunk limit when the channel does not report its message size. */
const FALLBACK_MESSAGE_SIZE = 65536;

/** Options of a {@link ChunkSender}. */
export interface ChunkSenderOptions {
  /** A sender waits while a channel buffers more than this... */
  bufferHighBytes: number;
  /** ...until the channel's buffer falls to this. */
  bufferLowBytes: number;
  /** Largest chunk body; capped by the channel's message size. */
  maxChunkBytes: number;
  /**
   * Called when a chunk cannot be handed to a channel, or the sender was
   * closed mid-message; returns the error `send()` then throws.
   */
  fail: (what: string, cause?: unknown) => Error;
}

interface SendChannel {
  dc: DataChannel;
  drained: (() => void)[];
}

/** Sends whole messages over one or more data channels. */
export class ChunkSender {
  readonly #options: ChunkSenderOptions;
  readonly #channels: SendChannel[] = [];
  #closed = false;
  #nextMessageId = 0;
  #nextChannel = 0;
  #scratch: Buffer | undefined;

  constructor(options: ChunkSenderOptions) {
    this.#options = options;
  }

  /** Adds a channel to send on and watches its buffered amount. */
  add(dc: DataChannel): void {
    const channel: SendChannel = { dc, drained: [] };
    this.#channels.push(channel);

    dc.setBufferedAmountLowThreshold(this.#options.bufferLowBytes);
    dc.onBufferedAmountLow(() => {
      for (const wake of channel.drained.splice(0)) wake();
    });
  }

  /** Stops sending: waiting senders wake up and fail. */
  close(): void {
    this.#closed = true;
    for (const channel of this.#channels) {
      for (const wake of channel.drained.splice(0)) wake();
    }
  }

  /**
   * Sends one message made of `parts` (sent back to back, never joined in
   * memory). Resolves once every chunk is handed to a channel.
   *
   * @param signal - stops sending between chunks when aborted.
   */
  async send(
    parts: readonly Uint8Array[],
    signal?: AbortSignal,
  ): Promise<void> {
    const total = parts.reduce((sum, part) => sum + part.byteLength, 0);
    const count = chunkCount(total, this.#chunkLimit());
    const messageId = this.#nextMessageId;
    this.#nextMessageId = (this.#nextMessageId + 1) >>> 0;

    for (let index = 0; index < count; index++) {
      const channel = this.#pickChannel();
      await this.#drain(channel);
      if (this.#closed) {
        throw this.#options.fail('it closed while a message was being sent');
      }
      // TODO(peering): an aborted message leaves its first chunks pending at
      // the receiver until the connection closes (bounded by its
      // maxPendingMessages); an abort frame would let the receiver drop them.
      signal?.throwIfAborted();

      const [start, end] = chunkSpan(total, count, index);
      const frame = this.#frameBuffer(end - start);
      writeFrameHeader(frame, { messageId, index, count, total });
      copyParts(parts, start, end, frame, FRAME_HEADER_BYTES);
      try {
        channel.dc.sendMessageBinary(frame);
      } catch (error) {
        throw this.#options.fail('a chunk could not be sent', error);
      }
    }
  }

  #chunkLimit(): number {
    const reported = this.#channels[0]?.dc.maxMessageSize() ?? 0;
    const limit =
      reported > FRAME_HEADER_BYTES ? reported : FALLBACK_MESSAGE_SIZE;
    const body = Math.min(this.#options.maxChunkBytes, limit - FRAME_HEADER_BYTES);
    return Math.max(1, body);
  }

  /**
   * A reused buffer for one frame. `sendMessageBinary` copies the bytes
   * before it returns, so one scratch buffer serves every chunk.
   */
  #frameBuffer(bodyLength: number): Buffer {
    const length = FRAME_HEADER_BYTES + bodyLength;
    if (this.#scratch === undefined || this.#scratch.length < length) {
      const size = Math.max(length, FRAME_HEADER_BYTES + this.#chunkLimit());
      this.#scratch = Buffer.allocUnsafeSlow(size);
    }
    return this.#scratch.subarray(0, length);
  }

  #pickChannel(): SendChannel {
    const channel = this.#channels[this.#nextChannel];
    this.#nextChannel = (this.#nextChannel + 1) % this.#channels.length;
    if (channel === undefined) throw this.#options.fail('it has no data channel');
    return channel;
  }

  /** Waits while the channel buffers more than the high-water mark. */
  async #drain(channel: SendChannel): Promise<void> {
    const high = this.#options.bufferHighBytes;
    while (!this.#closed && channel.dc.bufferedAmount() > high) {
      await new Promise<void>((resolve) => {
        const wake = () => {
          clearTimeout(timer);
          resolve();
        };
        const timer = setTimeout(() => {
          const at = channel.drained.indexOf(wake);
          if (at >= 0) channel.drained.splice(at, 1);
          resolve();
        }, DRAIN_POLL_MS);
        channel.drained.push(wake);
      });
    }
  }
}
