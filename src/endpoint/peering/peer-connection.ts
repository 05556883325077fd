/**
 * One WebRTC peer connection to another endpoint, over node-datachannel's
 * native API. It carries whole binary messages of any size: each message is
 * framed into chunks (chunks.ts), spread over one or more reliable data
 * channels, and sent with backpressure on the channels' buffered amount.
 *
 * Signalling (offer, answer, candidates) goes through a callback, so this
 * class knows nothing about the relay. The offerer creates the channels,
 * labelled `p2p-<i>-<n>`; the answerer learns `n` from the labels. The
 * connection is ready when all `n` channels are open.
 *
 * The offerer holds back its ICE candidates until it has applied the answer.
 * Otherwise the answerer, which has everything it needs once it has the
 * offer and the candidates, can finish ICE and start the DTLS handshake
 * before the answer (with the fingerprint to check) has crossed the relay,
 * and libdatachannel then fails the handshake ("certificate verify failed").
 */
import type {
  DataChannel,
  PeerConnection as NativePeerConnection,
} from 'node-datachannel';

import { PeerConnectionError, PeerTimeoutError } from '../../errors.js';
import { logger } from '../../utils/debug.js';
import { ChunkSender } from './chunk-sender.js';
import { FrameError, Reassembler } from './chunks.js';
import type { DataChannelModule } from './optional-deps.js';

const log = logger('peering:connection');

/** A signalling frame to pass to the other side (through the relay). */
export interface LocalSignal {
  type: 'offer' | 'answer' | 'candidate';
  sdp?: string;
  candidate?: string;
  mid?: string;
}

/** Options of {@link PeerConnection.create}. */
export interface PeerConnectionOptions {
  /** This endpoint's id (for logs). */
  localId: string;
  /** The remote endpoint's id. */
  peerId: string;
  /** `offerer` creates the channels and the offer. */
  role: 'offerer' | 'answerer';
  /** STUN/TURN URLs; empty for host candidates only. */
  iceServers: string[];
  /** Interface for ICE host candidates. */
  bindAddress: string;
  /** Data channels the offerer opens (at least 1). */
  channels: number;
  /** Bound on reaching the ready state. */
  connectTimeoutMs: number;
  /** Largest message accepted from the peer, in bytes. */
  maxMessageBytes: number;
  /** Most incomplete incoming messages at once. */
  maxPendingMessages: number;
  /** A sender waits while a channel buffers more than this... */
  bufferHighBytes: number;
  /** ...until the channel's buffer falls to this. */
  bufferLowBytes: number;
  /** Largest chunk body; capped by the channel's message size. */
  maxChunkBytes: number;
  /** Passes a signalling frame to the other side; may throw. */
  signal: (message: LocalSignal) => void;
}

interface Channel {
  dc: DataChannel;
  open: boolean;
}

/** A peer connection that sends and receives whole messages. */
export class PeerConnection {
  readonly #options: PeerConnectionOptions;
  readonly #pc: NativePeerConnection;
  readonly #channels: Channel[] = [];
  readonly #reassembler: Reassembler;
  readonly #sender: ChunkSender;
  readonly #queuedCandidates: { candidate: string; mid: string }[] = [];
  readonly #heldCandidates: LocalSignal[] = [];
  readonly #closeListeners: ((error: Error | undefined) => void)[] = [];
  readonly #ready: Promise<void>;
  #settleReady: (error?: Error) => void = () => undefined;
  #messageListener: ((message: Buffer) => void) | undefined;
  #expected: number;
  #remoteSet = false;
  #closed = false;
  #readyTimer: NodeJS.Timeout | undefined;

  private constructor(
    native: DataChannelModule,
    options: PeerConnectionOptions,
  ) {
    this.#options = options;
    this.#expected = options.role === 'offerer' ? options.channels : 0;
    this.#reassembler = new Reassembler({
      maxMessageBytes: options.maxMessageBytes,
      maxPending: options.maxPendingMessages,
    });
    this.#sender = new ChunkSender({
      bufferHighBytes: options.bufferHighBytes,
      bufferLowBytes: options.bufferLowBytes,
      maxChunkBytes: options.maxChunkBytes,
      fail: (what, cause) => {
        const error = this.#error(what, cause);
        this.close(error);
        return error;
      },
    });
    this.#ready = new Promise<void>((resolve, reject) => {
      this.#settleReady = (error) =>
        error === undefined ? resolve() : reject(error);
    });
    this.#ready.catch(() => undefined);

    this.#pc = new native.PeerConnection(options.localId.slice(0, 16), {
      iceServers: options.iceServers,
      bindAddress: options.bindAddress,
    });
    this.#wire();

    this.#readyTimer = setTimeout(() => this.#timedOut(), options.connectTimeoutMs);

    if (options.role === 'offerer') {
      for (let i = 0; i < options.channels; i++) {
        const label = `p2p-${i}-${options.channels}`;
        this.#addChannel(this.#pc.createDataChannel(label));
      }
    }
  }

  /**
   * Creates a connection; an offerer starts negotiating at once.
   *
   * @param native - node-datachannel's API, from `loadDataChannel()`.
   */
  static create(
    native: DataChannelModule,
    options: PeerConnectionOptions,
  ): PeerConnection {
    return new PeerConnection(native, options);
  }

  /** The remote endpoint's id. */
  get peerId(): string {
    return this.#options.peerId;
  }

  /** `offerer` or `answerer`. */
  get role(): 'offerer' | 'answerer' {
    return this.#options.role;
  }

  /** Whether the connection is closed (or failed). */
  get closed(): boolean {
    return this.#closed;
  }

  /**
   * Resolves when every channel is open.
   *
   * @throws {@link PeerTimeoutError} after the connect timeout.
   * @throws {@link PeerConnectionError} when the connection failed or closed.
   */
  ready(): Promise<void> {
    return this.#ready;
  }

  /** Sets the listener for whole messages from the peer. */
  onMessage(listener: (message: Buffer) => void): void {
    this.#messageListener = listener;
  }

  /** Adds a listener called once when the connection closes, either side. */
  onClose(listener: (error: Error | undefined) => void): void {
    this.#closeListeners.push(listener);
  }

  /** Applies an offer, answer or candidate from the other side. */
  handleSignal(message: LocalSignal): void {
    if (this.#closed) return;
    log('%s from %s (remote set: %s)', message.type, this.peerId, this.#remoteSet);

    try {
      if (message.type === 'candidate') {
        const candidate = message.candidate ?? '';
        const mid = message.mid ?? '';
        if (this.#remoteSet) {
          this.#addCandidate(candidate, mid);
        } else {
          this.#queuedCandidates.push({ candidate, mid });
        }
        return;
      }

      this.#pc.setRemoteDescription(message.sdp ?? '', message.type);
      this.#remoteSet = true;
      for (const queued of this.#queuedCandidates.splice(0)) {
        this.#addCandidate(queued.candidate, queued.mid);
      }
      for (const held of this.#heldCandidates.splice(0)) this.#signal(held);
    } catch (error) {
      const why = error instanceof Error ? error.message : String(error);
      this.close(this.#error(`it sent a bad ${message.type} (${why})`, error));
    }
  }

  /**
   * Sends one message made of `parts` (sent back to back, never joined in
   * memory). Resolves once every chunk is handed to a channel.
   *
   * @param signal - stops sending between chunks when aborted.
   * @throws {@link PeerConnectionError} when the connection is not ready or
   *   closes while sending.
   */
  async send(
    parts: readonly Uint8Array[],
    signal?: AbortSignal,
  ): Promise<void> {
    await this.#ready;
    await this.#sender.send(parts, signal);
  }

  /** Closes the connection; listeners get `error` (none: a normal close). */
  close(error?: Error): void {
    if (this.#closed) return;
    this.#closed = true;

    clearTimeout(this.#readyTimer);
    this.#settleReady(error ?? this.#error('it was closed before it opened'));
    this.#reassembler.clear();
    this.#sender.close();
    const why = error === undefined ? '' : `: ${error.message}`;
    log('connection to %s closed%s', this.peerId, why);

    try {
      for (const channel of this.#channels) channel.dc.close();
      this.#pc.close();
    } catch (closeError) {
      log('closing the native connection failed: %s', String(closeError));
    }

    for (const listener of this.#closeListeners.splice(0)) listener(error);
  }

  /**
   * Adds a remote candidate. A candidate libdatachannel refuses is logged and
   * skipped, not fatal: other candidates may still connect, and the connect
   * timeout bounds the attempt.
   */
  #addCandidate(candidate: string, mid: string): void {
    try {
      this.#pc.addRemoteCandidate(candidate, mid);
    } catch (error) {
      log('skipped a candidate from %s: %s', this.peerId, String(error));
    }
  }

  #wire(): void {
    const pc = this.#pc;

    pc.onLocalDescription((sdp, type) => {
      if (type !== 'offer' && type !== 'answer') return;
      this.#signal({ type, sdp });
    });
    pc.onLocalCandidate((candidate, mid) => {
      const signal: LocalSignal = { type: 'candidate', candidate, mid };
      if (this.#options.role === 'offerer' && !this.#remoteSet) {
        this.#heldCandidates.push(signal);
      } else {
        this.#signal(signal);
      }
    });
    pc.onStateChange((state) => {
      log('connection to %s: %s', this.peerId, state);
      if (state === 'failed' || state === 'disconnected' || state === 'closed') {
        this.close(this.#error(`its state became ${state}`));
      }
    });
    pc.onDataChannel((dc) => {
      if (this.#options.role === 'offerer' || this.#closed) {
        dc.close();
        return;
      }
      const match = /^p2p-(\d+)-(\d+)$/.exec(dc.getLabel());
      this.#expected = Math.max(1, Number(match?.[2] ?? 1));
      this.#addChannel(dc);
    });
  }

  #addChannel(dc: DataChannel): void {
    const channel: Channel = { dc, open: false };
    this.#channels.push(channel);
    this.#sender.add(dc);
    dc.onOpen(() => {
      channel.open = true;
      this.#checkReady();
    });
    dc.onClosed(() => this.close(this.#error('a data channel closed')));
    dc.onError((message) => {
      this.close(this.#error(`a data channel failed: ${message}`));
    });
    dc.onMessage((message) => this.#receive(message));

    if (dc.isOpen()) {
      channel.open = true;
      this.#checkReady();
    }
  }

  #checkReady(): void {
    const open = this.#channels.filter((channel) => channel.open).length;
    if (this.#closed || this.#expected === 0 || open < this.#expected) return;

    clearTimeout(this.#readyTimer);
    log('connection to %s ready with %d channel(s)', this.peerId, open);
    this.#settleReady();
  }

  #timedOut(): void {
    const { peerId, connectTimeoutMs } = this.#options;
    this.close(
      new PeerTimeoutError(
        peerId,
        connectTimeoutMs,
        `The peer connection to ${peerId} did not open within ` +
          `${connectTimeoutMs} ms. Check that the peer is running and that ` +
          'the bind address and ICE servers let the two hosts reach each other.',
      ),
    );
  }

  #receive(message: string | Buffer | ArrayBuffer): void {
    if (this.#closed) return;
    if (typeof message === 'string') {
      this.close(this.#error('it sent a text frame'));
      return;
    }

    const frame = Buffer.isBuffer(message) ? message : Buffer.from(message);
    let whole: Buffer | undefined;
    try {
      whole = this.#reassembler.push(frame);
    } catch (error) {
      if (!(error instanceof FrameError)) throw error;
      this.close(this.#error(error.message, error));
      return;
    }
    if (whole !== undefined) this.#messageListener?.(whole);
  }

  #signal(message: LocalSignal): void {
    if (this.#closed) return;
    try {
      this.#options.signal(message);
    } catch (error) {
      this.close(this.#error(`its ${message.type} could not be sent`, error));
    }
  }

  #error(what: string, cause?: unknown): PeerConnectionError {
    return new PeerConnectionError(
      this.peerId,
      `The peer connection to ${this.peerId} failed: ${what}.`,
      cause === undefined ? undefined : { cause },
    );
  }
}
