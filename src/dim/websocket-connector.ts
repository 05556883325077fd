import type { CloseOptions, Connector, ConnectorConfig } from '../connectors/connector.js';
import { registerConnectorKind } from '../connectors/kinds.js';
import { DimConnectorError } from '../errors.js';
import { logger } from '../utils/debug.js';
import type { JsonObject } from '../utils/json.js';
import { newObjectId } from '../utils/uuid.js';
import { resolveDimHost } from './dim-address.js';
import { assertDimKey, formatAddress } from './dim-key.js';
import type { DimKey } from './dim-key.js';
import type { DimRequest, DimResponse } from './protocol.js';
import { acquireServer, localServer } from './server-registry.js';
import type { DimServerHandle, DimServerLease } from './server-registry.js';
import {
  resolveWebsocketOptions,
  websocketOptionsFromJson,
  websocketOptionsToJson,
} from './websocket-config.js';
import type {
  ResolvedWebsocketOptions,
  WebsocketConnectorOptions,
} from './websocket-config.js';
import { WebsocketPeer } from './websocket-peer.js';
import { WebsocketServerHandle } from './websocket-server-handle.js';

const log = logger('connector:websocket');

const KIND = 'websocket';

/**
 * Keeps each object in the memory of the process that put it, and lets any
 * process fetch it straight from there over a WebSocket (a distributed
 * in-memory store, as upstream ProxyStore's `WebsocketStore`).
 *
 * The first `put` starts this process's server (or reuses one that already
 * answers at the configured address) in a worker thread, so the server
 * keeps answering while this thread blocks in a synchronous resolve. `put`
 * goes to that server; `get`, `exists` and `evict` go to the peer named in
 * the key. Building a connector starts nothing, so a connector rebuilt
 * from its config (in a consumer, or in the bridge thread) is only a client.
 *
 * @remarks
 * Objects live as long as their server: the last connector of the process
 * to close stops it, and every object it held is gone. A peer that is gone
 * or silent for `timeoutMs` raises `DimPeerUnavailableError` or
 * `DimTimeoutError`, naming its address. The server listens on
 * 127.0.0.1 unless `address` or `interface` says otherwise.
 */
export class WebsocketConnector implements Connector<DimKey> {
  readonly kind = KIND;
  readonly #options: ResolvedWebsocketOptions;
  readonly #host: string;
  readonly #peers = new Map<string, WebsocketPeer>();
  #lease: Promise<DimServerLease<DimServerHandle>> | undefined;
  #closing: Promise<void> | undefined;

  constructor(options: WebsocketConnectorOptions = {}) {
    this.#options = resolveWebsocketOptions(options);
    this.#host = resolveDimHost(this.#options);
  }

  /** Rebuilds a connector from `config().options`; starts no server. */
  static fromConfig(options: JsonObject): WebsocketConnector {
    return new WebsocketConnector(websocketOptionsFromJson(options));
  }

  config(): ConnectorConfig {
    return { kind: KIND, options: websocketOptionsToJson(this.#options) };
  }

  /** The address of this process's server, once a put has started it. */
  async serverAddress(): Promise<string> {
    return (await this.#server()).address;
  }

  async put(data: Uint8Array): Promise<DimKey> {
    const server = await this.#server();
    const id = newObjectId();

    if (server instanceof WebsocketServerHandle) {
      await server.put(id, data);
    } else {
      const peer = this.#peer(server.host, server.port);
      expectOk(await peer.request({ op: 'put', id, data }), peer, 'put');
    }
    return { kind: KIND, id, size: data.byteLength, host: server.host, port: server.port };
  }

  async putBatch(data: readonly Uint8Array[]): Promise<DimKey[]> {
    return Promise.all(data.map((d) => this.put(d)));
  }

  async get(key: DimKey): Promise<Uint8Array | null> {
    const { id, local, peer } = this.#route(key);
    if (local !== undefined) return local.get(id);

    const response = await peer.request({ op: 'get', id });
    if (response.status === 'missing') return null;
    return expectOk(response, peer, 'get') ?? new Uint8Array(0);
  }

  async getBatch(keys: readonly DimKey[]): Promise<(Uint8Array | null)[]> {
    return Promise.all(keys.map((k) => this.get(k)));
  }

  async exists(key: DimKey): Promise<boolean> {
    const { id, local, peer } = this.#route(key);
    if (local !== undefined) return local.exists(id);

    const response = await peer.request({ op: 'exists', id });
    if (response.status === 'exists') return response.exists;
    throw unexpected(response, peer, 'exists');
  }

  async evict(key: DimKey): Promise<void> {
    const { id, local, peer } = this.#route(key);
    if (local !== undefined) return local.evict(id);

    expectOk(await peer.request({ op: 'evict', id }), peer, 'evict');
  }

  /**
   * Closes this connector's connections and gives back its share of the
   * server; the last share stops it, dropping its objects (so `clear` has
   * no further effect). Idempotent.
   */
  close(_options?: CloseOptions): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  async #close(): Promise<void> {
    for (const peer of this.#peers.values()) peer.close();
    this.#peers.clear();

    const lease = this.#lease;
    if (lease === undefined) return;
    try {
      await (await lease).release();
    } catch (error) {
      log('closing: the server had not started (%s)', (error as Error).message);
    }
  }

  #server(): Promise<DimServerHandle> {
    this.#assertOpen(formatAddress(this.#host, this.#options.port));
    this.#lease ??= acquireServer({
      kind: KIND,
      host: this.#host,
      port: this.#options.port,
      ping: (host, port) => this.#ping(host, port),
      attach: (host, port) => remoteServer(host, port),
      start: () =>
        WebsocketServerHandle.start(
          {
            host: this.#host,
            port: this.#options.port,
            maxMessageSize: this.#options.maxMessageSize,
            chunkSize: this.#options.chunkSize,
          },
          this.#options.timeoutMs,
        ),
    });
    const lease = this.#lease;
    lease.catch(() => {
      if (this.#lease === lease) this.#lease = undefined;
    });
    return lease.then((l) => l.server);
  }

  async #ping(host: string, port: number): Promise<boolean> {
    const peer = new WebsocketPeer(host, port, this.#options);
    try {
      return (await peer.request({ op: 'ping', id: '' })).status === 'ok';
    } catch {
      return false;
    } finally {
      peer.close();
    }
  }

  #route(key: DimKey): {
    id: string;
    local: WebsocketServerHandle | undefined;
    peer: WebsocketPeer;
  } {
    const checked = assertDimKey(key, KIND);
    this.#assertOpen(formatAddress(checked.host, checked.port));

    const server = localServer(KIND, checked.host, checked.port);
    const local = server instanceof WebsocketServerHandle ? server : undefined;
    return { id: checked.id, local, peer: this.#peer(checked.host, checked.port) };
  }

  #peer(host: string, port: number): WebsocketPeer {
    const address = formatAddress(host, port);
    let peer = this.#peers.get(address);
    if (peer === undefined) {
      peer = new WebsocketPeer(host, port, this.#options);
      this.#peers.set(address, peer);
    }
    return peer;
  }

  #assertOpen(address: string): void {
    if (this.#closing === undefined) return;
    throw new DimConnectorError(
      KIND,
      address,
      'This WebsocketConnector is closed; make a new one (or a new store).',
    );
  }
}

/** Handle of another process's server found answering at our address. */
function remoteServer(host: string, port: number): DimServerHandle {
  return {
    kind: KIND,
    host,
    port,
    address: formatAddress(host, port),
    owned: false,
    stop: async () => undefined,
  };
}

function expectOk(
  response: DimResponse,
  peer: WebsocketPeer,
  op: DimRequest['op'],
): Uint8Array | undefined {
  if (response.status === 'ok') return response.data;
  throw unexpected(response, peer, op);
}

function unexpected(
  response: DimResponse,
  peer: WebsocketPeer,
  op: DimRequest['op'],
): DimConnectorError {
  const detail =
    response.status === 'error' ? response.message : `an unexpected '${response.status}' answer`;
  return new DimConnectorError(
    KIND,
    peer.address,
    `The DIM peer at ${peer.address} failed a ${op} request: ${detail}`,
  );
}

registerConnectorKind(KIND, (options) => WebsocketConnector.fromConfig(options));
