/**
 * Peering between endpoints: one {@link PeerManager} per endpoint registers
 * with a relay server, opens WebRTC peer connections to other endpoints on
 * demand (offer and answer through the relay), and carries store requests
 * (get, set, exists, evict) over them.
 */
import { randomUUID } from 'node:crypto';

import {
  InvalidArgumentError,
  PeerConnectionError,
  PeerTimeoutError,
  ProxyStoreError,
} from '../../errors.js';
import { logger } from '../../utils/debug.js';
import type { BackoffOptions } from './backoff.js';
import { loadDataChannel, type DataChannelModule } from './optional-deps.js';
import { PeerConnection, type LocalSignal } from './peer-connection.js';
import {
  decodePeerMessage,
  encodeRequest,
  encodeResponse,
  type PeerEnvelope,
  type PeerRequest,
  type PeerResponse,
} from './peer-messages.js';
import { RelayClient } from './relay-client.js';
import {
  RelayCloseCode,
  type ErrorMessage,
  type SignalMessage,
} from './relay-protocol.js';

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

interface ResolvedOptions {
  endpointId: string;
  iceServers: string[];
  bindAddress: string;
  peerChannels: number;
  connectTimeoutMs: number;
  requestTimeoutMs: number;
  maxMessageBytes: number;
}

/** The connection (or connection attempt) to one peer. */
interface PeerEntry {
  connection: PeerConnection;
  /** Id of the offer/answer exchange, shared by both sides. */
  attempt: string;
  /** Whether `connection` opened. */
  open: boolean;
  /** Whether `ready` is settled. */
  settled: boolean;
  /** Resolves with the connection once open. */
  ready: Promise<PeerConnection>;
  /** Settles `ready` (once). */
  settle: (error: Error | undefined) => void;
}

interface PendingRequest {
  peerId: string;
  resolve: (response: PeerResponse) => void;
  reject: (error: Error) => void;
}

const BUFFER_HIGH_BYTES = 4 * 1024 * 1024;
const BUFFER_LOW_BYTES = 1024 * 1024;
const MAX_CHUNK_BYTES = 256 * 1024;
const MAX_PENDING_MESSAGES = 256;

/**
 * Registers this endpoint with a relay and exchanges requests with peers.
 *
 * @example
 * ```ts
 * const peers = new PeerManager({ endpointId, relayAddress: 'ws://127.0.0.1:8700' });
 * peers.onRequest(async (fromId, req) => ({ ok: true, data: null }));
 * await peers.start();
 * const res = await peers.request(otherId, { op: 'get', key });
 * await peers.close();
 * ```
 */
export class PeerManager {
  readonly #options: ResolvedOptions;
  readonly #relay: RelayClient;
  readonly #peers = new Map<string, PeerEntry>();
  readonly #pending = new Map<number, PendingRequest>();
  #handler: PeerRequestHandler | undefined;
  #native: DataChannelModule | undefined;
  #nextRequestId = 1;
  #closing: Promise<void> | undefined;

  /** @throws {@link InvalidArgumentError} for a bad option. */
  constructor(options: PeerManagerOptions) {
    this.#options = resolveOptions(options);
    this.#relay = new RelayClient({
      address: options.relayAddress,
      id: options.endpointId,
      token: options.relayToken,
      backoff: options.relayBackoff,
    });
    this.#relay.on('message', (message) => this.#onRelayMessage(message));
    this.#relay.on('state', (state, error) => {
      const why = error === undefined ? '' : `: ${error.message}`;
      log('%s: relay %s%s', options.endpointId, state, why);
    });
  }

  /** This endpoint's id. */
  get endpointId(): string {
    return this.#options.endpointId;
  }

  /** The relay client (its state and events). */
  get relay(): RelayClient {
    return this.#relay;
  }

  /** Ids of peers with an open or opening connection. */
  get peers(): string[] {
    return [...this.#peers.keys()];
  }

  /**
   * Connects and registers with the relay.
   *
   * @throws {@link RelayRegistrationError} when the relay refuses this id.
   * @throws {@link RelayConnectionError} when the relay cannot be reached.
   */
  async start(): Promise<void> {
    this.#assertOpen();
    this.#native ??= await loadDataChannel();
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
   *   the connection was lost.
   * @throws {@link RelayRegistrationError} or {@link RelayConnectionError}
   *   when a new connection is needed and the relay is unavailable.
   */
  async request(
    peerId: string,
    req: PeerRequest,
    opts?: { timeoutMs?: number },
  ): Promise<PeerResponse> {
    this.#assertOpen();
    if (peerId === this.endpointId) {
      throw InvalidArgumentError.format(
        'peerId',
        peerId,
        'that is this endpoint itself; serve the request locally',
      );
    }

    const timeoutMs = opts?.timeoutMs ?? this.#options.requestTimeoutMs;
    const abort = new AbortController();
    const timeout = new PeerTimeoutError(
      peerId,
      timeoutMs,
      `Endpoint ${peerId} did not answer the ${req.op} of key '${req.key}' ` +
        `within ${timeoutMs} ms.`,
    );
    const timer = setTimeout(() => abort.abort(timeout), timeoutMs);

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

    for (const entry of [...this.#peers.values()]) entry.connection.close();
    this.#peers.clear();
    await this.#relay.close();
  }

  async #exchange(
    peerId: string,
    req: PeerRequest,
    signal: AbortSignal,
  ): Promise<PeerResponse> {
    const connection = await abortable(this.#connection(peerId), signal);

    const id = this.#nextRequestId;
    this.#nextRequestId = this.#nextRequestId >= 2 ** 31 ? 1 : this.#nextRequestId + 1;
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

  /** The open connection to `peerId`, opening one when needed. */
  async #connection(peerId: string): Promise<PeerConnection> {
    const known = this.#peers.get(peerId);
    if (known !== undefined) return known.ready;

    this.#native ??= await loadDataChannel();
    await this.#relay.connect();
    this.#assertOpen();

    const again = this.#peers.get(peerId);
    if (again !== undefined) return again.ready;
    return this.#newEntry(peerId, 'offerer', randomUUID()).ready;
  }

  /** Starts a connection attempt and records it as the entry of its peer. */
  #newEntry(
    peerId: string,
    role: 'offerer' | 'answerer',
    attempt: string,
  ): PeerEntry {
    let resolveReady: (connection: PeerConnection) => void = () => undefined;
    let rejectReady: (error: Error) => void = () => undefined;
    const ready = new Promise<PeerConnection>((resolve, reject) => {
      resolveReady = resolve;
      rejectReady = reject;
    });
    ready.catch(() => undefined);

    const connection = this.#createConnection(peerId, role, attempt);
    const entry: PeerEntry = {
      connection,
      attempt,
      open: false,
      settled: false,
      ready,
      settle: (error) => {
        if (entry.settled) return;
        entry.settled = true;
        if (error === undefined) resolveReady(entry.connection);
        else rejectReady(error);
      },
    };
    this.#peers.set(peerId, entry);
    this.#attach(entry, connection);
    return entry;
  }

  /** Makes `connection` the current one of `entry` and follows its fate. */
  #attach(entry: PeerEntry, connection: PeerConnection): void {
    const peerId = connection.peerId;
    entry.connection = connection;

    connection.ready().then(
      () => {
        if (entry.connection !== connection) return;
        entry.open = true;
        entry.settle(undefined);
      },
      (error: unknown) => {
        if (entry.connection === connection) entry.settle(error as Error);
      },
    );
    connection.onMessage((message) => {
      this.#onPeerMessage(peerId, connection, message);
    });
    connection.onClose((error) => this.#onPeerClosed(entry, connection, error));
  }

  #createConnection(
    peerId: string,
    role: 'offerer' | 'answerer',
    attempt: string,
  ): PeerConnection {
    const native = this.#native;
    if (native === undefined) {
      throw new ProxyStoreError('The peer manager is not started; call start().');
    }

    log('%s connection to %s (attempt %s)', role, peerId, attempt);
    return PeerConnection.create(native, {
      localId: this.endpointId,
      peerId,
      role,
      iceServers: this.#options.iceServers,
      bindAddress: this.#options.bindAddress,
      channels: this.#options.peerChannels,
      connectTimeoutMs: this.#options.connectTimeoutMs,
      maxMessageBytes: this.#options.maxMessageBytes,
      maxPendingMessages: MAX_PENDING_MESSAGES,
      bufferHighBytes: BUFFER_HIGH_BYTES,
      bufferLowBytes: BUFFER_LOW_BYTES,
      maxChunkBytes: MAX_CHUNK_BYTES,
      signal: (message) => this.#sendSignal(peerId, attempt, message),
    });
  }

  #sendSignal(peerId: string, attempt: string, message: LocalSignal): void {
    const frame: SignalMessage = {
      type: message.type,
      to: peerId,
      connection: attempt,
    };
    if (message.sdp !== undefined) frame.sdp = message.sdp;
    if (message.candidate !== undefined) frame.candidate = message.candidate;
    if (message.mid !== undefined) frame.mid = message.mid;
    this.#relay.send(frame);
  }

  #onRelayMessage(message: SignalMessage | ErrorMessage): void {
    if (this.#closing !== undefined) return;
    if (message.type === 'error') {
      this.#onRelayError(message);
      return;
    }

    const peerId = message.from;
    if (peerId === undefined) return;
    if (message.type === 'offer') {
      this.#onOffer(peerId, message);
      return;
    }

    const entry = this.#peers.get(peerId);
    if (entry === undefined || entry.attempt !== message.connection) {
      log('ignored a stale %s from %s', message.type, peerId);
      return;
    }
    entry.connection.handleSignal(toLocalSignal(message));
  }

  /**
   * An offer from `peerId`. With no connection, answer it. With an open
   * connection, the peer has started over: replace ours. While both sides
   * are offering at once (glare), the smaller endpoint id's offer wins; the
   * loser answers it in place, so requests waiting on the entry carry on.
   */
  #onOffer(peerId: string, message: SignalMessage): void {
    const entry = this.#peers.get(peerId);
    if (entry?.attempt === message.connection) return;
    if (this.#native === undefined) {
      log('ignored an offer from %s: not started', peerId);
      return;
    }

    const offer = toLocalSignal(message);
    if (entry === undefined || entry.open) {
      entry?.connection.close(
        new PeerConnectionError(
          peerId,
          `Endpoint ${peerId} opened a new peer connection, replacing this one.`,
        ),
      );
      this.#newEntry(peerId, 'answerer', message.connection)
        .connection.handleSignal(offer);
      return;
    }

    const ours = entry.connection;
    if (ours.role === 'offerer' && this.endpointId < peerId) {
      log('glare with %s: keeping our offer', peerId);
      return;
    }

    entry.attempt = message.connection;
    const answer = this.#createConnection(peerId, 'answerer', message.connection);
    this.#attach(entry, answer);
    ours.close();
    answer.handleSignal(offer);
  }

  #onRelayError(message: ErrorMessage): void {
    log('relay error %d: %s', message.code, message.message);
    if (message.code !== RelayCloseCode.UnknownPeer || message.to === undefined) return;

    const entry = this.#peers.get(message.to);
    if (entry === undefined || entry.attempt !== message.connection) return;
    entry.connection.close(new PeerConnectionError(message.to, message.message));
  }

  #onPeerMessage(peerId: string, connection: PeerConnection, message: Buffer): void {
    let envelope: PeerEnvelope;
    try {
      envelope = decodePeerMessage(message);
    } catch (error) {
      log('bad message from %s: %s', peerId, (error as Error).message);
      return;
    }

    if (envelope.kind === 'response') {
      const pending = this.#pending.get(envelope.id);
      if (pending === undefined || pending.peerId !== peerId) {
        log('dropped a late response %d from %s', envelope.id, peerId);
        return;
      }
      pending.resolve(envelope.response);
      return;
    }

    void this.#serve(peerId, connection, envelope.id, envelope.request);
  }

  async #serve(
    peerId: string,
    connection: PeerConnection,
    id: number,
    request: PeerRequest,
  ): Promise<void> {
    let response: PeerResponse;
    const handler = this.#handler;
    if (handler === undefined) {
      response = {
        ok: false,
        status: 503,
        message: 'This endpoint does not serve peer requests.',
      };
    } else {
      try {
        response = await handler(peerId, request);
      } catch (error) {
        response = { ok: false, status: 500, message: (error as Error).message };
      }
    }

    try {
      await connection.send(encodeResponse(id, response));
    } catch (error) {
      const why = (error as Error).message;
      log('cannot answer request %d of %s: %s', id, peerId, why);
    }
  }

  #onPeerClosed(
    entry: PeerEntry,
    connection: PeerConnection,
    error: Error | undefined,
  ): void {
    if (entry.connection !== connection) return;

    const peerId = connection.peerId;
    if (this.#peers.get(peerId) === entry) this.#peers.delete(peerId);

    const failure =
      error ??
      new PeerConnectionError(
        peerId,
        `The peer connection to ${peerId} closed; the next request reconnects.`,
      );
    entry.settle(failure);
    for (const pending of this.#pending.values()) {
      if (pending.peerId === peerId) pending.reject(failure);
    }
  }

  #assertOpen(): void {
    if (this.#closing !== undefined) {
      throw new ProxyStoreError('The peer manager is closed; create a new one.');
    }
  }
}

function toLocalSignal(message: SignalMessage): LocalSignal {
  const signal: LocalSignal = { type: message.type };
  if (message.sdp !== undefined) signal.sdp = message.sdp;
  if (message.candidate !== undefined) signal.candidate = message.candidate;
  if (message.mid !== undefined) signal.mid = message.mid;
  return signal;
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
    throw InvalidArgumentError.format('endpointId', options.endpointId, 'use a non-empty id');
  }
  if (!Number.isInteger(resolved.peerChannels) || resolved.peerChannels < 1) {
    throw InvalidArgumentError.format(
      'peerChannels',
      resolved.peerChannels,
      'use an integer of at least 1',
    );
  }
  for (const field of ['connectTimeoutMs', 'requestTimeoutMs', 'maxMessageBytes'] as const) {
    if (!(resolved[field] > 0)) {
      throw InvalidArgumentError.format(field, resolved[field], 'use a positive number');
    }
  }
  return resolved;
}
