/**
 * Peering between endpoints: one {@link PeerManager} per endpoint registers
 * with a relay server, opens WebRTC peer connections to other endpoints on
 * demand (offer and answer through the relay), and carries store requests
 * (get, set, exists, evict) over them.
 */
import {
  InvalidArgumentError,
  PeerConnectionError,
  PeerTimeoutError,
  ProxyStoreError,
} from '../../errors.js';
import { logger } from '../../utils/debug.js';
import type { BackoffOptions } from './backoff.js';
import type { PeerConnection } from './peer-connection.js';
import { PeerDirectory } from './peer-directory.js';
import {
  decodePeerMessage,
  encodeRequest,
  encodeResponse,
  type PeerEnvelope,
  type PeerRequest,
  type PeerResponse,
} from './peer-messages.js';
import { RelayClient } from './relay-client.js';

export type { PeerRequest, PeerResponse } from './peer-messages.js';

const log = logger('peering:manager');

/** Options of {@link PeerManager}. */
export interface PeerManagerOptions {
  /** This endpoint's id (a UUID), under which it registers with the relay. */
  endpointId: string;
  /** Relay server address, for example `ws://127.0.0.1:8700`. */
  relayAddress: string;
  /** Token the relay requires, if it was started with one. */
  relayToken?: string | undefined;
  /** STUN/TURN server URLs. @defaultValue `[]` (host candidates only) */
  iceServers?: string[] | undefined;
  /** Interface for ICE host candidates. @defaultValue `'127.0.0.1'` */
  bindAddress?: string | undefined;
  /** Data channels per peer connection. @defaultValue `1` */
  peerChannels?: number | undefined;
  /** Bound on opening one peer connection. @defaultValue `10000` */
  connectTimeoutMs?: number | undefined;
  /** Default bound on one request. @defaultValue `30000` */
  requestTimeoutMs?: number | undefined;
  /** Largest message accepted from a peer. @defaultValue 2 GiB - 1 */
  maxMessageBytes?: number | undefined;
  /** Retry policy for the relay connection. */
  relayBackoff?: BackoffOptions | undefined;
}

/** Handles requests that peers send to this endpoint. */
export type PeerRequestHandler = (
  fromId: string,
  req: PeerRequest,
) => Promise<PeerResponse>;

interface PendingRequest {
  peerId: string;
  resolve: (response: PeerResponse) => void;
  reject: (error: Error) => void;
}

/** Flow control of every peer connection: 4 MiB high, 1 MiB low water. */
const BUFFER_HIGH_BYTES = 4 * 1024 * 1024;
const BUFFER_LOW_BYTES = 1024 * 1024;
/** Chunk body limit (the channel's own limit, 256 KiB, also applies). */
const MAX_CHUNK_BYTES = 256 * 1024;
/** Incomplete incoming messages one connection may hold. */
const MAX_PENDING_MESSAGES = 256;

/**
 * Registers this endpoint with a relay and exchanges requests with peers.
 *
 * @example
 * ```ts
 * const peers = new PeerManager({ endpointId, relayAddress: relayUrl });
 * peers.onRequest(async (fromId, req) => ({ ok: true, data: null }));
 * await peers.start();
 * const res = await peers.request(otherId, { op: 'get', key });
 * await peers.close();
 * ```
 */
export class PeerManager {
  readonly #endpointId: string;
  readonly #requestTimeoutMs: number;
  readonly #relay: RelayClient;
  readonly #directory: PeerDirectory;
  readonly #pending = new Map<number, PendingRequest>();
  #handler: PeerRequestHandler | undefined;
  #nextRequestId = 1;
  #closing: Promise<void> | undefined;

  /** @throws {@link InvalidArgumentError} for a bad option. */
  constructor(options: PeerManagerOptions) {
    const resolved = resolveOptions(options);
    this.#endpointId = resolved.endpointId;
    this.#requestTimeoutMs = resolved.requestTimeoutMs;

    this.#relay = new RelayClient({
      address: options.relayAddress,
      id: options.endpointId,
      token: options.relayToken,
      backoff: options.relayBackoff,
    });
    this.#relay.on('state', (state, error) => {
      const why = error === undefined ? '' : `: ${error.message}`;
      log('%s: relay %s%s', options.endpointId, state, why);
    });

    this.#directory = new PeerDirectory({
      relay: this.#relay,
      settings: {
        localId: resolved.endpointId,
        iceServers: resolved.iceServers,
        bindAddress: resolved.bindAddress,
        channels: resolved.peerChannels,
        connectTimeoutMs: resolved.connectTimeoutMs,
        maxMessageBytes: resolved.maxMessageBytes,
        maxPendingMessages: MAX_PENDING_MESSAGES,
        bufferHighBytes: BUFFER_HIGH_BYTES,
        bufferLowBytes: BUFFER_LOW_BYTES,
        maxChunkBytes: MAX_CHUNK_BYTES,
      },
      onMessage: (peerId, from, message) => {
        this.#onPeerMessage(peerId, from, message);
      },
      onClosed: (peerId, error) => this.#failPending(peerId, error),
    });
  }

  /** This endpoint's id. */
  get endpointId(): string {
    return this.#endpointId;
  }

  /** The relay client (its state and events). */
  get relay(): RelayClient {
    return this.#relay;
  }

  /** Ids of peers with an open or opening connection. */
  get peers(): string[] {
    return this.#directory.peers;
  }

  /**
   * Connects and registers with the relay.
   *
   * @throws {@link RelayRegistrationError} when the relay refuses this id.
   * @throws {@link RelayConnectionError} when the relay cannot be reached.
   * @throws {@link MissingDependencyError} without node-datachannel or ws.
   */
  async start(): Promise<void> {
    this.#assertOpen();
    await this.#directory.prepare();
    await this.#relay.connect();
  }

  /** Sets the handler for requests that peers send to this endpoint. */
  onRequest(handler: PeerRequestHandler): void {
    this.#handler = handler;
  }

  /**
   * Sends a request to a peer endpoint and waits for its response, opening
   * a peer connection first when there is none.
   *
   * @throws {@link PeerTimeoutError} when no response came in time.
   * @throws {@link PeerConnectionError} when the peer cannot be reached or
   *   the connection was lost (the next request opens a new one).
   * @throws {@link RelayRegistrationError} or {@link RelayConnectionError}
   *   when a new connection is needed and the relay is unavailable.
   */
  async request(
    peerId: string,
    req: PeerRequest,
    opts?: { timeoutMs?: number },
  ): Promise<PeerResponse> {
    this.#assertOpen();
    if (peerId === this.#endpointId) {
      throw InvalidArgumentError.format(
        'peerId',
        peerId,
        'that is this endpoint itself; serve the request locally',
      );
    }

    const timeoutMs = opts?.timeoutMs ?? this.#requestTimeoutMs;
    const abort = new AbortController();
    const timer = setTimeout(() => {
      abort.abort(
        new PeerTimeoutError(
          peerId,
          timeoutMs,
          `Endpoint ${peerId} did not answer the ${req.op} of key ` +
            `'${req.key}' within ${timeoutMs} ms.`,
        ),
      );
    }, timeoutMs);

    try {
      return await this.#exchange(peerId, req, abort.signal);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Closes every peer connection and the relay client. Idempotent. */
  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  async #close(): Promise<void> {
    for (const pending of this.#pending.values()) {
      pending.reject(
        new PeerConnectionError(
          pending.peerId,
          'The peer manager was closed while this request was in flight.',
        ),
      );
    }
    this.#pending.clear();

    this.#directory.closeAll();
    await this.#relay.close();
  }

  async #exchange(
    peerId: string,
    req: PeerRequest,
    signal: AbortSignal,
  ): Promise<PeerResponse> {
    const connection = await abortable(this.#directory.connection(peerId), signal);

    const id = this.#nextRequestId;
    this.#nextRequestId = id >= 2 ** 31 ? 1 : id + 1;
    const response = new Promise<PeerResponse>((resolve, reject) => {
      this.#pending.set(id, { peerId, resolve, reject });
    });
    response.catch(() => undefined);

    try {
      await connection.send(encodeRequest(id, req), signal);
      return await abortable(response, signal);
    } finally {
      this.#pending.delete(id);
    }
  }

  #onPeerMessage(peerId: string, from: PeerConnection, message: Buffer): void {
    let envelope: PeerEnvelope;
    try {
      envelope = decodePeerMessage(message);
    } catch (error) {
      log('bad message from %s: %s', peerId, (error as Error).message);
      return;
    }

    if (envelope.kind === 'request') {
      void this.#serve(peerId, from, envelope.id, envelope.request);
      return;
    }

    const pending = this.#pending.get(envelope.id);
    if (pending === undefined || pending.peerId !== peerId) {
      log('dropped a late response %d from %s', envelope.id, peerId);
      return;
    }
    pending.resolve(envelope.response);
  }

  async #serve(
    peerId: string,
    from: PeerConnection,
    id: number,
    request: PeerRequest,
  ): Promise<void> {
    let response: PeerResponse = {
      ok: false,
      status: 503,
      message: 'This endpoint does not serve peer requests.',
    };
    const handler = this.#handler;
    if (handler !== undefined) {
      try {
        response = await handler(peerId, request);
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        response = { ok: false, status: 500, message };
      }
    }

    try {
      await from.send(encodeResponse(id, response));
    } catch (error) {
      const why = (error as Error).message;
      log('cannot answer request %d of %s: %s', id, peerId, why);
    }
  }

  #failPending(peerId: string, error: Error): void {
    for (const pending of this.#pending.values()) {
      if (pending.peerId === peerId) pending.reject(error);
    }
  }

  #assertOpen(): void {
    if (this.#closing !== undefined) {
      throw new ProxyStoreError('The peer manager is closed; create a new one.');
    }
  }
}

/** Rejects with the signal's reason as soon as it aborts. */
function abortable<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason as Error);

  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error as Error);
      },
    );
  });
}

interface ResolvedOptions {
  endpointId: string;
  iceServers: string[];
  bindAddress: string;
  peerChannels: number;
  connectTimeoutMs: number;
  requestTimeoutMs: number;
  maxMessageBytes: number;
}

function resolveOptions(options: PeerManagerOptions): ResolvedOptions {
  const resolved: ResolvedOptions = {
    endpointId: options.endpointId,
    iceServers: options.iceServers ?? [],
    bindAddress: options.bindAddress ?? '127.0.0.1',
    peerChannels: options.peerChannels ?? 1,
    connectTimeoutMs: options.connectTimeoutMs ?? 10_000,
    requestTimeoutMs: options.requestTimeoutMs ?? 30_000,
    maxMessageBytes: options.maxMessageBytes ?? 2 ** 31 - 1,
  };

  if (typeof resolved.endpointId !== 'string' || resolved.endpointId === '') {
    throw InvalidArgumentError.format(
      'endpointId',
      options.endpointId,
      'use a non-empty id',
    );
  }
  if (!Number.isInteger(resolved.peerChannels) || resolved.peerChannels < 1) {
    throw InvalidArgumentError.format(
      'peerChannels',
      resolved.peerChannels,
      'use an integer of at least 1',
    );
  }
  const positive = ['connectTimeoutMs', 'requestTimeoutMs', 'maxMessageBytes'];
  for (const field of positive as (keyof ResolvedOptions)[]) {
    if (!((resolved[field] as number) > 0)) {
      const value = resolved[field];
      throw InvalidArgumentError.format(field, value, 'use a positive number');
    }
  }
  return resolved;
}
