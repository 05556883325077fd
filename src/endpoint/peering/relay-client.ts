/**
 * The relay client: one endpoint's WebSocket to the relay. It registers the
 * endpoint's id, sends and receives signalling frames, and keeps the
 * connection up with bounded retries.
 *
 * Retry policy. Transient failures (connection refused or reset, a failed
 * address lookup such as `EAI_AGAIN`/`ENOTFOUND`, an abnormal close 1006, the
 * relay going away 1001, a registration timeout, an HTTP 5xx on the upgrade)
 * are retried with bounded exponential backoff, each retry logged and emitted
 * as a `PROXYSTORE_RELAY_RETRY` process warning. Fatal closes (4000 bad
 * message, 4001 unauthorized, 4002 forbidden, 4004 replaced, an HTTP 4xx on
 * the upgrade, or 1009 during registration) fail at once with
 * {@link RelayRegistrationError} and are never retried. A 1009 after
 * registration drops the connection, which is re-established, but the frame
 * that caused it is not sent again: the client never replays frames.
 */
import { EventEmitter } from 'node:events';
import type { LookupFunction } from 'node:net';

import type { WebSocket } from 'ws';

import {
  InvalidArgumentError,
  RelayConnectionError,
  RelayRegistrationError,
} from '../../errors.js';
import { logger, warn } from '../../utils/debug.js';
import {
  backoffDelay,
  resolveBackoff,
  type Backoff,
  type BackoffOptions,
} from './backoff.js';
import { loadWs } from './optional-deps.js';
import { attemptRegistration, closeSocket } from './relay-attempt.js';
import {
  encodeRelayMessage,
  FATAL_CLOSE_CODES,
  type ErrorMessage,
  type SignalMessage,
} from './relay-protocol.js';

const log = logger('relay:client');

/** Options of {@link RelayClient}. */
export interface RelayClientOptions {
  /** Relay URL, `ws://` or `wss://`. */
  address: string;
  /** The id to register under (this endpoint's id). */
  id: string;
  /** A human-readable name sent with the registration. */
  name?: string | undefined;
  /** Token sent as `Authorization: Bearer <token>`. */
  token?: string | undefined;
  /** Retry policy for transient failures. */
  backoff?: BackoffOptions | undefined;
  /** Bound on opening the socket plus registering. @defaultValue `10000` */
  registrationTimeoutMs?: number | undefined;
  /**
   * Reconnect in the background when an established connection is lost.
   * @defaultValue `true`
   */
  reconnect?: boolean | undefined;
  /**
   * Address lookup used for the relay's host name, in place of `dns.lookup`.
   * A seam for tests (simulating `EAI_AGAIN`) and for custom resolvers.
   */
  lookup?: LookupFunction | undefined;
}

/** Where a {@link RelayClient} stands. */
export type RelayClientState =
  | 'disconnected'
  | 'connecting'
  | 'connected'
  | 'reconnecting'
  | 'failed'
  | 'closed';

/** Events of a {@link RelayClient}. */
export interface RelayClientEvents {
  /** A signal or error frame from the relay. */
  message: [SignalMessage | ErrorMessage];
  /** The state changed; `error` says why, for `failed`/`disconnected`. */
  state: [RelayClientState, Error | undefined];
}

/** How long a connection must last before the retry count starts over. */
const STABLE_MS = 10_000;

/** One endpoint's connection to the relay. */
export class RelayClient extends EventEmitter<RelayClientEvents> {
  readonly #options: RelayClientOptions;
  readonly #backoff: Backoff;
  readonly #timeoutMs: number;
  #state: RelayClientState = 'disconnected';
  #socket: WebSocket | undefined;
  #connecting: Promise<void> | undefined;
  #fatal: RelayRegistrationError | undefined;
  #retries = 0;
  #stableTimer: NodeJS.Timeout | undefined;
  #maxMessageBytes = 0;
  readonly #abort = new AbortController();

  /** @throws {@link InvalidArgumentError} for a bad address or timeout. */
  constructor(options: RelayClientOptions) {
    super();
    if (!/^wss?:\/\//.test(options.address)) {
      throw InvalidArgumentError.format(
        'relayAddress',
        options.address,
        'a relay address starts with ws:// or wss://',
      );
    }
    this.#options = options;
    this.#backoff = resolveBackoff(options.backoff);
    this.#timeoutMs = options.registrationTimeoutMs ?? 10_000;
    if (!(this.#timeoutMs > 0)) {
      throw InvalidArgumentError.format(
        'registrationTimeoutMs',
        this.#timeoutMs,
        'use a positive number of milliseconds',
      );
    }
  }

  /** The relay address. */
  get address(): string {
    return this.#options.address;
  }

  /** The current state. */
  get state(): RelayClientState {
    return this.#state;
  }

  /**
   * Connects and registers; resolves at once when already connected.
   * Transient failures are retried with bounded backoff.
   *
   * @throws {@link RelayRegistrationError} when the relay refused this client
   *   (now or earlier): never retried.
   * @throws {@link RelayConnectionError} when every attempt failed, or the
   *   client was closed.
   */
  connect(): Promise<void> {
    if (this.#state === 'connected') return Promise.resolve();
    if (this.#fatal !== undefined) return Promise.reject(this.#fatal);
    if (this.#state === 'closed') return Promise.reject(this.#closedError());

    this.#connecting ??= this.#connectWithRetry().finally(() => {
      this.#connecting = undefined;
    });
    return this.#connecting;
  }

  /**
   * Sends a signal frame. Frames are never queued or replayed: while the
   * client is not connected, sending fails.
   *
   * @throws {@link RelayConnectionError} when not connected.
   * @throws {@link InvalidArgumentError} when the frame is larger than the
   *   relay accepts.
   */
  send(message: SignalMessage): void {
    const socket = this.#socket;
    if (this.#state !== 'connected' || socket === undefined) {
      throw new RelayConnectionError(
        this.address,
        `Cannot send a ${message.type} to ${message.to}: the relay client ` +
          `is ${this.#state}, not connected to ${this.address}.`,
      );
    }

    const text = encodeRelayMessage(message);
    const size = Buffer.byteLength(text);
    if (this.#maxMessageBytes > 0 && size > this.#maxMessageBytes) {
      throw InvalidArgumentError.format(
        'relay message',
        `${size} bytes`,
        `the relay accepts at most ${this.#maxMessageBytes} bytes per frame`,
      );
    }
    socket.send(text);
  }

  /** Closes the connection and stops any retry. Idempotent. */
  async close(): Promise<void> {
    if (this.#state === 'closed') return;

    this.#abort.abort();
    clearTimeout(this.#stableTimer);
    this.#setState('closed', undefined);

    const socket = this.#socket;
    this.#socket = undefined;
    if (socket !== undefined) await closeSocket(socket);
  }

  async #connectWithRetry(): Promise<void> {
    for (;;) {
      if (this.#isClosed()) throw this.#closedError();
      const state = this.#retries === 0 ? 'connecting' : 'reconnecting';
      this.#setState(state, undefined);

      let failure: Error;
      try {
        await this.#attempt();
        return;
      } catch (error) {
        failure = error as Error;
      }

      if (failure instanceof RelayRegistrationError) {
        this.#fatal = failure;
        this.#setState('failed', failure);
        throw failure;
      }
      if (this.#isClosed()) throw this.#closedError();

      this.#retries += 1;
      if (this.#retries >= this.#backoff.maxAttempts) {
        const attempts = this.#retries;
        this.#retries = 0;
        const error = new RelayConnectionError(
          this.address,
          `Could not reach the relay at ${this.address} after ${attempts} ` +
            `attempts (last error: ${failure.message}). Check that the relay ` +
            'is running and the address is right.',
          { cause: failure, attempts },
        );
        this.#setState('disconnected', error);
        throw error;
      }

      const delay = backoffDelay(this.#backoff, this.#retries);
      const text =
        `Relay ${this.address} unreachable (${failure.message}); retry ` +
        `${this.#retries}/${this.#backoff.maxAttempts - 1} in ${delay} ms.`;
      log(text);
      warn('PROXYSTORE_RELAY_RETRY', text);
      await this.#sleep(delay);
    }
  }

  async #attempt(): Promise<void> {
    const ws = await loadWs();
    if (this.#isClosed()) throw this.#closedError();

    await attemptRegistration(ws, {
      address: this.address,
      id: this.#options.id,
      name: this.#options.name,
      token: this.#options.token,
      lookup: this.#options.lookup,
      timeoutMs: this.#timeoutMs,
      signal: this.#abort.signal,
      onRegistered: (socket, max) => this.#onRegistered(socket, max),
      onMessage: (message) => this.emit('message', message),
      onLost: (socket, code, reason) => this.#onLost(socket, code, reason),
    });
  }

  #onRegistered(socket: WebSocket, maxMessageBytes: number): void {
    if (this.#state === 'closed') {
      socket.terminate();
      return;
    }

    this.#socket = socket;
    this.#maxMessageBytes = maxMessageBytes;
    this.#setState('connected', undefined);
    log('registered %s with %s', this.#options.id, this.address);

    clearTimeout(this.#stableTimer);
    this.#stableTimer = setTimeout(() => {
      this.#retries = 0;
    }, STABLE_MS);
    this.#stableTimer.unref();
  }

  #onLost(socket: WebSocket, code: number, reason: string): void {
    if (this.#socket !== socket) return;
    this.#socket = undefined;
    clearTimeout(this.#stableTimer);
    if (this.#state === 'closed') return;

    if (FATAL_CLOSE_CODES.has(code)) {
      this.#fatal = new RelayRegistrationError(this.address, code, reason);
      log('relay closed the connection for good: %d %s', code, reason);
      this.#setState('failed', this.#fatal);
      return;
    }

    const error = new RelayConnectionError(
      this.address,
      `Lost the relay connection to ${this.address} (code ${code}` +
        `${reason === '' ? '' : `, ${reason}`}).`,
    );
    this.#setState('disconnected', error);
    if (this.#options.reconnect === false) return;

    this.#retries += 1;
    const delay = backoffDelay(this.#backoff, this.#retries);
    const text = `${error.message} Reconnecting in ${delay} ms.`;
    log(text);
    warn('PROXYSTORE_RELAY_RETRY', text);
    void this.#sleep(delay).then(() => {
      if (this.#state !== 'disconnected') return;
      this.connect().catch((failure: unknown) => {
        log('reconnect gave up: %s', (failure as Error).message);
      });
    });
  }

  #sleep(ms: number): Promise<void> {
    const signal = this.#abort.signal;
    if (signal.aborted) return Promise.resolve();

    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        resolve();
      }
      signal.addEventListener('abort', done, { once: true });
    });
  }

  #setState(state: RelayClientState, error: Error | undefined): void {
    if (this.#state === state && error === undefined) return;
    this.#state = state;
    this.emit('state', state, error);
  }

  /** A method, not a field read, so TypeScript does not narrow across awaits. */
  #isClosed(): boolean {
    return this.#state === 'closed';
  }

  #closedError(): RelayConnectionError {
    return new RelayConnectionError(
      this.address,
      `The relay client for ${this.address} is closed; create a new one.`,
    );
  }
}
