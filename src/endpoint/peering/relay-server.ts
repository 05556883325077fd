/**
 * The relay server: a WebSocket server that registers endpoints by id and
 * forwards WebRTC offers, answers and candidates between them, so two
 * endpoints can open a direct peer connection. Object data never passes
 * through the relay. See relay-protocol.ts for the frames and close codes.
 */
import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

import type { WebSocket, WebSocketServer } from 'ws';

import { InvalidArgumentError } from '../../errors.js';
import { logger } from '../../utils/debug.js';
import { loadWs } from './optional-deps.js';
import {
  encodeRelayMessage,
  parseRelayMessage,
  RelayCloseCode,
  type RegisterMessage,
  type SignalMessage,
} from './relay-protocol.js';

const log = logger('relay:server');

/** Default port of the relay, as upstream's relay. */
export const DEFAULT_RELAY_PORT = 8700;

/** Default largest frame the relay accepts: SDP offers are a few KiB. */
export const DEFAULT_MAX_MESSAGE_BYTES = 1024 * 1024;

/** Longest close reason WebSocket allows, in bytes. */
const MAX_REASON_BYTES = 123;

/** How long {@link RelayServer.close} waits for clients to close. */
const CLOSE_GRACE_MS = 1000;

/** Options of {@link RelayServer.start}. */
export interface RelayServerOptions {
  /** Interface to listen on. @defaultValue `'127.0.0.1'` */
  host?: string | undefined;
  /** Port to listen on; 0 picks a free port. @defaultValue `8700` */
  port?: number | undefined;
  /**
   * Shared secret clients must send as `Authorization: Bearer <token>`.
   * Without it, any client may register. @defaultValue none
   */
  token?: string | undefined;
  /**
   * Largest frame accepted, in bytes. A client that sends a larger one is
   * closed with 1009; other clients are not affected.
   * @defaultValue `1048576`
   */
  maxMessageBytes?: number | undefined;
  /**
   * Interval of the liveness ping; a client that missed the previous ping's
   * pong is dropped. 0 disables it. @defaultValue `30000`
   */
  pingIntervalMs?: number | undefined;
}

/** Counters of a running relay (for logs and tests). */
export interface RelayServerStats {
  /** Endpoints registered right now. */
  registered: number;
  /** Successful registrations since start. */
  registrations: number;
  /** Signals forwarded since start. */
  forwarded: number;
}

interface ResolvedOptions {
  host: string;
  port: number;
  token: string;
  maxMessageBytes: number;
  pingIntervalMs: number;
}

interface ClientState {
  id: string | undefined;
  alive: boolean;
}

/**
 * A running relay server. Start it with {@link RelayServer.start}.
 *
 * @remarks
 * Authentication is one shared token; every client that has it may register
 * any id, and a newer registration replaces an older one (4004).
 * TODO(peering): per-user id ownership (upstream answers 4002 for an id owned
 * by another user) and TLS options; run the relay behind a TLS-terminating
 * proxy for `wss://`.
 */
export class RelayServer {
  readonly #server: WebSocketServer;
  readonly #token: Buffer | undefined;
  readonly #maxMessageBytes: number;
  readonly #clients = new Map<string, WebSocket>();
  readonly #states = new WeakMap<WebSocket, ClientState>();
  readonly #ping: NodeJS.Timeout | undefined;
  #registrations = 0;
  #forwarded = 0;
  #closing: Promise<void> | undefined;

  private constructor(
    server: WebSocketServer,
    options: ResolvedOptions,
  ) {
    this.#server = server;
    this.#token = options.token === '' ? undefined : Buffer.from(options.token);
    this.#maxMessageBytes = options.maxMessageBytes;

    server.on('connection', (socket, request) => {
      this.#onConnection(socket, request);
    });
    server.on('error', (error) => log('server error: %s', error.message));
    server.on('wsClientError', (error, socket) => {
      log('bad handshake: %s', error.message);
      socket.destroy();
    });

    if (options.pingIntervalMs > 0) {
      this.#ping = setInterval(() => this.#pingAll(), options.pingIntervalMs);
      this.#ping.unref();
    }
  }

  /**
   * Starts a relay listening on `host:port`.
   *
   * @throws {@link InvalidArgumentError} for a bad option.
   * @throws {@link MissingDependencyError} when `ws` is not installed.
   */
  static async start(options: RelayServerOptions = {}): Promise<RelayServer> {
    const resolved = resolveOptions(options);
    const { WebSocketServer } = await loadWs();

    const server = new WebSocketServer({
      host: resolved.host,
      port: resolved.port,
      maxPayload: resolved.maxMessageBytes,
      perMessageDeflate: false,
      clientTracking: true,
    });
    await new Promise<void>((resolve, reject) => {
      server.once('listening', resolve);
      server.once('error', reject);
    });

    const relay = new RelayServer(server, resolved);
    log('listening on %s', relay.url);
    return relay;
  }

  /** The address the relay listens on. */
  get address(): { host: string; port: number } {
    const info = this.#server.address() as AddressInfo;
    return { host: info.address, port: info.port };
  }

  /** The relay's URL, for example `ws://127.0.0.1:8700`. */
  get url(): string {
    const { host, port } = this.address;
    const shown = host.includes(':') ? `[${host}]` : host;
    return `ws://${shown}:${port}`;
  }

  /** Counters since start. */
  stats(): RelayServerStats {
    return {
      registered: this.#clients.size,
      registrations: this.#registrations,
      forwarded: this.#forwarded,
    };
  }

  /** Closes every client (1001) and stops listening. Idempotent. */
  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  async #close(): Promise<void> {
    clearInterval(this.#ping);

    const sockets = [...this.#server.clients];
    const closed = sockets.map(
      (socket) => new Promise((resolve) => socket.once('close', resolve)),
    );
    for (const socket of sockets) socket.close(1001, 'Relay shutting down.');

    const grace = new Promise((resolve) => {
      setTimeout(resolve, CLOSE_GRACE_MS).unref();
    });
    await Promise.race([Promise.all(closed), grace]);
    for (const socket of this.#server.clients) socket.terminate();

    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
    log('closed');
  }

  #onConnection(socket: WebSocket, request: IncomingMessage): void {
    const state: ClientState = { id: undefined, alive: true };
    this.#states.set(socket, state);
    socket.on('error', (error) => log('socket error: %s', error.message));
    socket.on('pong', () => {
      state.alive = true;
    });
    socket.on('close', (code) => this.#onClose(socket, state, code));

    if (!this.#authorized(request)) {
      log('unauthorized client from %s', request.socket.remoteAddress);
      closeWith(
        socket,
        RelayCloseCode.Unauthorized,
        'Unauthorized: send the relay token as Authorization: Bearer <token>.',
      );
      return;
    }

    socket.on('message', (data, isBinary) => {
      if (isBinary) {
        const why = 'Binary frames are not allowed.';
        closeWith(socket, RelayCloseCode.BadMessage, why);
        return;
      }
      this.#onMessage(socket, state, String(data));
    });
  }

  #authorized(request: IncomingMessage): boolean {
    if (this.#token === undefined) return true;

    const header = request.headers.authorization ?? '';
    const match = /^Bearer (.+)$/.exec(header);
    if (match === null) return false;

    const given = Buffer.from(match[1] ?? '');
    return (
      given.length === this.#token.length && timingSafeEqual(given, this.#token)
    );
  }

  #onMessage(socket: WebSocket, state: ClientState, text: string): void {
    let message;
    try {
      message = parseRelayMessage(text);
    } catch (error) {
      closeWith(socket, RelayCloseCode.BadMessage, (error as Error).message);
      return;
    }

    switch (message.type) {
      case 'register':
        this.#register(socket, state, message);
        return;
      case 'offer':
      case 'answer':
      case 'candidate':
        this.#forward(socket, state, message);
        return;
      default:
        closeWith(
          socket,
          RelayCloseCode.BadMessage,
          `Clients may not send '${message.type}' frames.`,
        );
    }
  }

  #register(socket: WebSocket, state: ClientState, message: RegisterMessage) {
    if (state.id !== undefined) {
      const why = 'This connection is already registered.';
      closeWith(socket, RelayCloseCode.Forbidden, why);
      return;
    }

    const older = this.#clients.get(message.id);
    if (older !== undefined) {
      log('id %s registered again: closing the older connection', message.id);
      closeWith(
        older,
        RelayCloseCode.Replaced,
        'Replaced by a newer registration under the same id.',
      );
    }

    state.id = message.id;
    this.#clients.set(message.id, socket);
    this.#registrations += 1;
    log('registered %s (%s)', message.id, message.name ?? 'no name');

    socket.send(
      encodeRelayMessage({
        type: 'registered',
        id: message.id,
        maxMessageBytes: this.#maxMessageBytes,
      }),
    );
  }

  #forward(socket: WebSocket, state: ClientState, message: SignalMessage) {
    if (state.id === undefined) {
      const why = 'Register before sending signals.';
      closeWith(socket, RelayCloseCode.Forbidden, why);
      return;
    }

    const target = this.#clients.get(message.to);
    if (target === undefined) {
      log('%s from %s: peer %s unknown', message.type, state.id, message.to);
      socket.send(
        encodeRelayMessage({
          type: 'error',
          code: RelayCloseCode.UnknownPeer,
          message:
            `Cannot forward the ${message.type} to peer ${message.to}: no ` +
            'endpoint is registered under that id.',
          to: message.to,
          connection: message.connection,
        }),
      );
      return;
    }

    this.#forwarded += 1;
    target.send(encodeRelayMessage({ ...message, from: state.id }));
  }

  #onClose(socket: WebSocket, state: ClientState, code: number): void {
    if (state.id === undefined) return;

    if (this.#clients.get(state.id) === socket) {
      this.#clients.delete(state.id);
    }
    log('%s disconnected (%d)', state.id, code);
  }

  #pingAll(): void {
    for (const socket of this.#server.clients) {
      const state = this.#states.get(socket);
      if (state === undefined) continue;

      if (!state.alive) {
        log('%s missed a ping: dropping it', state.id ?? 'unregistered client');
        socket.terminate();
        continue;
      }
      state.alive = false;
      socket.ping();
    }
  }
}

function resolveOptions(
  options: RelayServerOptions,
): ResolvedOptions {
  const resolved: ResolvedOptions = {
    host: options.host ?? '127.0.0.1',
    port: options.port ?? DEFAULT_RELAY_PORT,
    token: options.token ?? '',
    maxMessageBytes: options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES,
    pingIntervalMs: options.pingIntervalMs ?? 30_000,
  };

  const port = resolved.port;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw InvalidArgumentError.format('port', resolved.port, 'use 0 to 65535');
  }
  const max = resolved.maxMessageBytes;
  if (!Number.isInteger(max) || max < 1024) {
    throw InvalidArgumentError.format(
      'maxMessageBytes',
      resolved.maxMessageBytes,
      'use an integer of at least 1024 bytes',
    );
  }
  if (!Number.isFinite(resolved.pingIntervalMs) || resolved.pingIntervalMs < 0) {
    throw InvalidArgumentError.format(
      'pingIntervalMs',
      resolved.pingIntervalMs,
      'use 0 (off) or a positive number of milliseconds',
    );
  }
  return resolved;
}

/** Closes a socket with a code and a reason cut to WebSocket's limit. */
function closeWith(socket: WebSocket, code: number, reason: string): void {
  let cut = reason;
  while (Buffer.byteLength(cut) > MAX_REASON_BYTES) cut = cut.slice(0, -1);
  socket.close(code, cut);
}
