import type { IncomingMessage } from 'node:http';

import type WebSocket from 'ws';

import {
  DimConnectorError,
  DimFrameError,
  DimPeerUnavailableError,
  DimTimeoutError,
} from '../errors.js';
import { logger } from '../utils/debug.js';
import { ChunkReader, Reassembler, chunkToMessages, splitMessage } from './chunking.js';
import type { DimTransportSettings } from './dim-config.js';
import { formatAddress } from './dim-key.js';
import { RESPONSE_ENVELOPE_BYTES, decodeResponse, encodeRequest } from './protocol.js';
import type { DimRequest, DimResponse } from './protocol.js';
import { clientSocketOptions, loadWs } from './ws-module.js';

const log = logger('dim:websocket');

const KIND = 'websocket';
const MAX_MESSAGE_ID = 0xffffffff;

interface PendingRequest {
  readonly op: DimRequest['op'];
  readonly resolve: (response: DimResponse) => void;
  readonly reject: (error: Error) => void;
  timer: NodeJS.Timeout | undefined;
  /** Socket activity and unsent bytes when the timer was armed. */
  seen: number;
}

interface Connection {
  readonly socket: WebSocket;
  readonly reader: ChunkReader;
  readonly reassembler: Reassembler;
  /** Messages received so far: progress for the inactivity timers. */
  activity: number;
  opened: boolean;
  lastError: Error | undefined;
}

/**
 * The client side of one DIM peer: one WebSocket, opened on first use and
 * again after it drops, over which concurrent requests are multiplexed by
 * message id. A request fails with {@link DimTimeoutError} when the
 * connection shows no progress (nothing received, nothing more sent) for
 * `timeoutMs`, and with {@link DimPeerUnavailableError} when the peer
 * cannot be reached or the connection drops.
 */
export class WebsocketPeer {
  readonly host: string;
  readonly port: number;
  readonly address: string;
  readonly #settings: DimTransportSettings;
  readonly #pending = new Map<number, PendingRequest>();
  #connection: Promise<Connection> | undefined;
  /** The open connection that {@link WebsocketPeer.#connection} resolved to. */
  #live: Connection | undefined;
  #nextId = 1;
  #closed = false;

  /**
   * @param settings - `timeoutMs` limits the inactivity of a request and
   * the handshake; `maxMessageSize` the response; `chunkSize` the chunks
   * sent.
   */
  constructor(host: string, port: number, settings: DimTransportSettings) {
    this.host = host;
    this.port = port;
    this.address = formatAddress(host, port);
    this.#settings = settings;
  }

  /** Requests in flight (for tests and diagnostics). */
  get pending(): number {
    return this.#pending.size;
  }

  /**
   * Sends one request and waits for its response.
   *
   * @throws {@link DimPeerUnavailableError}, {@link DimTimeoutError}, or a
   * {@link DimConnectorError} for a response that breaks the protocol.
   */
  async request(request: DimRequest): Promise<DimResponse> {
    if (this.#closed) throw this.#closedError();
    const connection = await this.#connect();
    const id = this.#allocateId();
    const chunks = splitMessage(id, encodeRequest(request), this.#settings.chunkSize);

    return new Promise<DimResponse>((resolve, reject) => {
      const entry: PendingRequest = {
        op: request.op,
        resolve,
        reject,
        timer: undefined,
        seen: -1,
      };
      this.#pending.set(id, entry);
      this.#arm(id, entry, connection);

      const onSent = (error?: Error | null): void => {
        if (error) this.#settle(id, this.#unavailable(error, connection));
      };
      for (const chunk of chunks) {
        for (const message of chunkToMessages(chunk)) {
          connection.socket.send(message, { binary: true }, onSent);
        }
      }
    });
  }

  /** Closes the socket; requests in flight fail. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;

    const error = this.#closedError();
    for (const id of [...this.#pending.keys()]) this.#settle(id, error);
    const connection = this.#connection;
    this.#connection = undefined;
    this.#live = undefined;
    connection?.then(
      (c) => c.socket.terminate(),
      () => undefined,
    );
  }

  #connect(): Promise<Connection> {
    this.#connection ??= this.#open().catch((error: unknown) => {
      this.#connection = undefined;
      throw error;
    });
    return this.#connection;
  }

  async #open(): Promise<Connection> {
    const { WebSocket } = await loadWs(this.address);
    const url = `ws://${this.address}`;
    const socket = new WebSocket(url, clientSocketOptions(this.#settings.timeoutMs));
    const connection: Connection = {
      socket,
      reader: new ChunkReader(),
      reassembler: new Reassembler({
        // The limit is on objects; an answer also carries its header.
        maxMessageSize: this.#settings.maxMessageSize + RESPONSE_ENVELOPE_BYTES,
      }),
      activity: 0,
      opened: false,
      lastError: undefined,
    };

    socket.on('error', (error: Error) => {
      connection.lastError = error;
      log('socket to %s: %s', this.address, error.message);
    });
    socket.on('upgrade', (response: IncomingMessage) => {
      // An idle connection must not keep the process alive; requests in
      // flight hold timers, which do.
      response.socket.unref();
    });
    socket.on('message', (data: Buffer, isBinary: boolean) => {
      this.#onMessage(connection, data, isBinary);
    });

    await new Promise<void>((resolve, reject) => {
      socket.once('open', resolve);
      socket.once('close', () => {
        reject(this.#unavailable(connection.lastError, connection));
      });
    });
    if (this.#closed) {
      socket.terminate();
      throw this.#closedError();
    }
    connection.opened = true;
    this.#live = connection;
    socket.on('close', (code: number) => this.#onClose(connection, code));
    log('connected to %s', this.address);
    return connection;
  }

  #onMessage(connection: Connection, data: Buffer, isBinary: boolean): void {
    connection.activity++;
    if (!isBinary) {
      this.#breakConnection(connection, new DimFrameError('Peer sent a text message.'));
      return;
    }

    let chunk;
    try {
      chunk = connection.reader.push(data);
    } catch (error) {
      this.#breakConnection(connection, error as Error);
      return;
    }
    if (chunk === undefined) return;

    const id = chunk.header.messageId;
    const entry = this.#pending.get(id);
    if (entry === undefined) return; // a late answer to a request that gave up

    let parts;
    try {
      parts = connection.reassembler.push(chunk);
    } catch (error) {
      connection.reassembler.discard(id);
      this.#settle(id, this.#protocolError(entry, error as Error));
      return;
    }
    if (parts === undefined) return;

    try {
      this.#settle(id, decodeResponse(parts));
    } catch (error) {
      this.#settle(id, this.#protocolError(entry, error as Error));
    }
  }

  #onClose(connection: Connection, code: number): void {
    if (this.#live === connection) {
      this.#live = undefined;
      this.#connection = undefined;
    }
    log('connection to %s closed (code %d)', this.address, code);

    const error = this.#unavailable(connection.lastError, connection, code);
    for (const id of [...this.#pending.keys()]) this.#settle(id, error);
  }

  /** Closes a connection whose byte stream broke the framing. */
  #breakConnection(connection: Connection, cause: Error): void {
    connection.lastError = new DimConnectorError(
      KIND,
      this.address,
      `The DIM peer at ${this.address} sent a malformed message ` +
        `(${cause.message}); the connection was closed.`,
      { cause },
    );
    connection.socket.terminate();
  }

  /** Arms (or re-arms) a request's inactivity timer. */
  #arm(id: number, entry: PendingRequest, connection: Connection): void {
    entry.seen = connection.activity + connection.socket.bufferedAmount * 2 ** 20;
    entry.timer = setTimeout(() => {
      if (!this.#pending.has(id)) return;
      const now = connection.activity + connection.socket.bufferedAmount * 2 ** 20;
      if (now !== entry.seen) {
        this.#arm(id, entry, connection);
        return;
      }
      connection.reassembler.discard(id);
      this.#settle(
        id,
        new DimTimeoutError(
          KIND,
          this.address,
          this.#settings.timeoutMs,
          `The DIM peer at ${this.address} did not answer a ${entry.op} ` +
            `request within ${this.#settings.timeoutMs} ms. The peer may be ` +
            'overloaded or hung; raise timeoutMs if it is only slow.',
        ),
      );
    }, this.#settings.timeoutMs);
  }

  #settle(id: number, outcome: DimResponse | Error): void {
    const entry = this.#pending.get(id);
    if (entry === undefined) return;
    this.#pending.delete(id);
    clearTimeout(entry.timer);

    if (outcome instanceof Error) entry.reject(outcome);
    else entry.resolve(outcome);
  }

  #allocateId(): number {
    do {
      const id = this.#nextId;
      this.#nextId = id >= MAX_MESSAGE_ID ? 1 : id + 1;
      if (!this.#pending.has(id)) return id;
    } while (this.#pending.size < MAX_MESSAGE_ID);
    throw new DimConnectorError(KIND, this.address, 'No free DIM message id.');
  }

  #unavailable(
    cause: Error | undefined,
    connection: Connection,
    code?: number,
  ): DimConnectorError {
    const why = cause?.message ?? `the connection closed (code ${code ?? 'none'})`;
    if (cause instanceof DimConnectorError) return cause;
    if (/handshake has timed out/i.test(why)) {
      return new DimTimeoutError(
        KIND,
        this.address,
        this.#settings.timeoutMs,
        `The DIM peer at ${this.address} did not accept a connection within ` +
          `${this.#settings.timeoutMs} ms.`,
        { cause },
      );
    }
    return new DimPeerUnavailableError(
      KIND,
      this.address,
      `${connection.opened ? 'Lost' : 'Cannot reach'} the DIM peer at ` +
        `${this.address}: ${why}. The process that holds the object may have ` +
        'exited or closed its store.',
      { cause },
    );
  }

  #protocolError(entry: PendingRequest, cause: Error): DimConnectorError {
    return new DimConnectorError(
      KIND,
      this.address,
      `The ${entry.op} answer of the DIM peer at ${this.address} was ` +
        `refused: ${cause.message}`,
      { cause },
    );
  }

  #closedError(): DimConnectorError {
    return new DimConnectorError(
      KIND,
      this.address,
      `The connection to the DIM peer at ${this.address} was closed by ` +
        'this connector; make a new connector to talk to it again.',
    );
  }
}
