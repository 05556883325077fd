import { registerConnectorKind } from '../connectors/kinds.js';
import { DimConnectorError } from '../errors.js';
import type { JsonObject } from '../utils/json.js';
import { dimOptionsFromJson } from './dim-config.js';
import type { DimServerSettings } from './dim-config.js';
import { DimConnector } from './dim-connector.js';
import type { DimTransportInfo } from './dim-connector.js';
import { formatAddress } from './dim-key.js';
import type { DimKey } from './dim-key.js';
import type { DimRequest, DimResponse } from './protocol.js';
import { localServer } from './server-registry.js';
import type { DimServerHandle } from './server-registry.js';
import { WEBSOCKET_CHUNK_LIMITS } from './websocket-config.js';
import type { WebsocketConnectorOptions } from './websocket-config.js';
import { WebsocketPeer } from './websocket-peer.js';
import { WebsocketServerHandle } from './websocket-server-handle.js';

const KIND = 'websocket';

const WEBSOCKET: DimTransportInfo<'websocket'> = {
  kind: KIND,
  className: 'WebsocketConnector',
  chunkLimits: WEBSOCKET_CHUNK_LIMITS,
};

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
export class WebsocketConnector extends DimConnector<'websocket'> {
  readonly #peers = new Map<string, WebsocketPeer>();

  constructor(options: WebsocketConnectorOptions = {}) {
    super(WEBSOCKET, options);
  }

  /** Rebuilds a connector from `config().options`; starts no server. */
  static fromConfig(options: JsonObject): WebsocketConnector {
    return new WebsocketConnector(dimOptionsFromJson(options));
  }

  async get(key: DimKey): Promise<Uint8Array | null> {
    const { id, local, peer } = this.#route(key);
    if (local !== undefined) return local.get(id);

    const response = await peer.request({ op: 'get', id });
    if (response.status === 'missing') return null;
    return expectOk(response, peer, 'get') ?? new Uint8Array(0);
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

  protected async putTo(server: DimServerHandle, id: string, data: Uint8Array): Promise<void> {
    if (server instanceof WebsocketServerHandle) {
      await server.put(id, data);
    } else {
      const peer = this.#peer(server.host, server.port);
      expectOk(await peer.request({ op: 'put', id, data }), peer, 'put');
    }
  }

  protected startServer(settings: DimServerSettings): Promise<DimServerHandle> {
    return WebsocketServerHandle.start(settings, this.options.timeoutMs);
  }

  protected async ping(host: string, port: number): Promise<boolean> {
    const peer = new WebsocketPeer(host, port, this.options);
    try {
      return (await peer.request({ op: 'ping', id: '' })).status === 'ok';
    } catch {
      return false;
    } finally {
      peer.close();
    }
  }

  protected override closeClients(): void {
    for (const peer of this.#peers.values()) peer.close();
    this.#peers.clear();
  }

  #route(key: DimKey): {
    id: string;
    local: WebsocketServerHandle | undefined;
    peer: WebsocketPeer;
  } {
    const checked = this.checkKey(key);
    const server = localServer(KIND, checked.host, checked.port);
    const local = server instanceof WebsocketServerHandle ? server : undefined;
    return { id: checked.id, local, peer: this.#peer(checked.host, checked.port) };
  }

  #peer(host: string, port: number): WebsocketPeer {
    const address = formatAddress(host, port);
    let peer = this.#peers.get(address);
    if (peer === undefined) {
      peer = new WebsocketPeer(host, port, this.options);
      this.#peers.set(address, peer);
    }
    return peer;
  }
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
