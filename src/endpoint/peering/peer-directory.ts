/**
 * The table of one endpoint's peer connections, one per peer, and the
 * signalling that opens them: offers, answers and candidates through the
 * relay, including the case where two endpoints offer to each other at once.
 */
import { randomUUID } from 'node:crypto';

import { PeerConnectionError, ProxyStoreError } from '../../errors.js';
import { logger } from '../../utils/debug.js';
import { loadDataChannel, type DataChannelModule } from './optional-deps.js';
import {
  PeerConnection,
  type LocalSignal,
  type PeerConnectionOptions,
} from './peer-connection.js';
import type { RelayClient } from './relay-client.js';
import {
  RelayCloseCode,
  type ErrorMessage,
  type SignalMessage,
} from './relay-protocol.js';

const log = logger('peering:directory');

/** Connection settings shared by every peer connection of an endpoint. */
export type ConnectionSettings = Omit<
  PeerConnectionOptions,
  'peerId' | 'role' | 'signal'
>;

/** Options of a {@link PeerDirectory}. */
export interface PeerDirectoryOptions {
  relay: RelayClient;
  settings: ConnectionSettings;
  /** A whole message from a peer. */
  onMessage: (peerId: string, from: PeerConnection, message: Buffer) => void;
  /** The connection to a peer closed; requests waiting on it must fail. */
  onClosed: (peerId: string, error: Error) => void;
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

/** Opens, finds and closes the peer connections of one endpoint. */
export class PeerDirectory {
  readonly #options: PeerDirectoryOptions;
  readonly #peers = new Map<string, PeerEntry>();
  #native: DataChannelModule | undefined;
  #closed = false;

  constructor(options: PeerDirectoryOptions) {
    this.#options = options;
    options.relay.on('message', (message) => this.#onRelayMessage(message));
  }

  /** Ids of peers with an open or opening connection. */
  get peers(): string[] {
    return [...this.#peers.keys()];
  }

  /** Loads node-datachannel, so offers can be answered. */
  async prepare(): Promise<void> {
    this.#native ??= await loadDataChannel();
  }

  /** The open connection to `peerId`, offering one when there is none. */
  async connection(peerId: string): Promise<PeerConnection> {
    const known = this.#peers.get(peerId);
    if (known !== undefined) return known.ready;

    await this.prepare();
    await this.#options.relay.connect();
    if (this.#closed) {
      throw new PeerConnectionError(peerId, 'The peer manager is closed.');
    }

    const again = this.#peers.get(peerId);
    if (again !== undefined) return again.ready;
    return this.#newEntry(peerId, 'offerer', randomUUID()).ready;
  }

  /** Closes every connection; later offers are ignored. */
  closeAll(): void {
    this.#closed = true;
    for (const entry of [...this.#peers.values()]) entry.connection.close();
    this.#peers.clear();
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

    const connection = this.#create(peerId, role, attempt);
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
      this.#options.onMessage(peerId, connection, message);
    });
    connection.onClose((error) => this.#onClosed(entry, connection, error));
  }

  #create(
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
      ...this.#options.settings,
      peerId,
      role,
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
    this.#options.relay.send(frame);
  }

  #onRelayMessage(message: SignalMessage | ErrorMessage): void {
    if (this.#closed) return;
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
      const fresh = this.#newEntry(peerId, 'answerer', message.connection);
      fresh.connection.handleSignal(offer);
      return;
    }

    const ours = entry.connection;
    if (ours.role === 'offerer' && this.#options.settings.localId < peerId) {
      log('glare with %s: keeping our offer', peerId);
      return;
    }

    entry.attempt = message.connection;
    const answer = this.#create(peerId, 'answerer', message.connection);
    this.#attach(entry, answer);
    ours.close();
    answer.handleSignal(offer);
  }

  #onRelayError(message: ErrorMessage): void {
    log('relay error %d: %s', message.code, message.message);
    const peerId = message.to;
    if (message.code !== RelayCloseCode.UnknownPeer || peerId === undefined) {
      return;
    }

    const entry = this.#peers.get(peerId);
    if (entry === undefined || entry.attempt !== message.connection) return;
    entry.connection.close(new PeerConnectionError(peerId, message.message));
  }

  #onClosed(
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
    this.#options.onClosed(peerId, failure);
  }
}

function toLocalSignal(message: SignalMessage): LocalSignal {
  const signal: LocalSignal = { type: message.type };
  if (message.sdp !== undefined) signal.sdp = message.sdp;
  if (message.candidate !== undefined) signal.candidate = message.candidate;
  if (message.mid !== undefined) signal.mid = message.mid;
  return signal;
}
