import { registerConnectorKind } from '../connectors/kinds.js';
import { DimConnectorError } from '../errors.js';
import type { JsonObject } from '../utils/json.js';
import { dimOptionsFromJson } from './dim-config.js';
import type { DimServerSettings } from './dim-config.js';
import { DimConnector } from './dim-connector.js';
import type { DimTransportInfo } from './dim-connector.js';
import type { DimKey } from './dim-key.js';
import type { DimServerHandle } from './server-registry.js';
import { loadUcxAddon } from './ucx-binding.js';
import type { UcxAddon, UcxOp, UcxReply } from './ucx-binding.js';
import { UCX_CHUNK_LIMITS } from './ucx-config.js';
import type { UCXConnectorOptions } from './ucx-config.js';
import { ucxRequest } from './ucx-peer.js';
import { UcxServerHandle } from './ucx-server.js';

const UCX: DimTransportInfo<'ucx'> = {
  kind: 'ucx',
  className: 'UCXConnector',
  chunkLimits: UCX_CHUNK_LIMITS,
};

/**
 * Keeps each object in the memory of the process that put it, and lets any
 * process fetch it straight from there over UCX (a distributed in-memory
 * store, as upstream ProxyStore's `UCXStore`), through the native addon in
 * `native/ucx`.
 *
 * The first `put` starts this process's server (or reuses one that already
 * answers at the configured address). The server runs inside the addon, on
 * its UCX progress thread, so it keeps answering while a JS thread blocks in
 * a synchronous resolve. `put` goes to that server; `get`, `exists` and
 * `evict` go to the peer named in the key. Building a connector starts
 * nothing, so a connector rebuilt from its config (in a consumer, or in the
 * bridge thread) is only a client.
 *
 * @remarks
 * Needs UCX (Debian: `libucx-dev`) and the addon built
 * (`node scripts/build-ucx.mjs`); without them the constructor throws
 * `UcxUnavailableError`. UCX picks its transports from the environment
 * (`UCX_TLS`, `UCX_NET_DEVICES`); unless set, `UCX_MEM_EVENTS=no` and
 * `UCX_HANDLE_ERRORS=none` keep UCX from patching libc and from taking
 * over fatal signals, both of which broke Node here. Objects live as long
 * as their server: the last connector of the process to close stops it,
 * and every object it held is gone. A peer that is gone raises
 * `DimPeerUnavailableError`, one that does not answer in time
 * `DimTimeoutError`; both name its address.
 */
export class UCXConnector extends DimConnector<'ucx'> {
  readonly #addon: UcxAddon;

  /** @throws {@link UcxUnavailableError} when UCX or the addon is missing. */
  constructor(options: UCXConnectorOptions = {}) {
    super(UCX, options);
    this.#addon = loadUcxAddon();
  }

  /** Rebuilds a connector from `config().options`; starts no server. */
  static fromConfig(options: JsonObject): UCXConnector {
    return new UCXConnector(dimOptionsFromJson(options));
  }

  async get(key: DimKey): Promise<Uint8Array | null> {
    // TODO(ucx): keys of this process's own server could be read without the
    // UCX loopback round trip (as WebsocketConnector does).
    const k = this.checkKey(key);
    const reply = await this.#request(k.host, k.port, 'get', k.id, { expected: k.size });
    return reply instanceof ArrayBuffer ? new Uint8Array(reply) : null;
  }

  async exists(key: DimKey): Promise<boolean> {
    const k = this.checkKey(key);
    return (await this.#request(k.host, k.port, 'exists', k.id)) === true;
  }

  async evict(key: DimKey): Promise<void> {
    const k = this.checkKey(key);
    await this.#request(k.host, k.port, 'evict', k.id);
  }

  protected async putTo(server: DimServerHandle, id: string, data: Uint8Array): Promise<void> {
    if (server instanceof UcxServerHandle) {
      this.#checkSize(data, server.address);
      await server.put(id, data);
    } else {
      await this.#request(server.host, server.port, 'put', id, { data });
    }
  }

  protected startServer(settings: DimServerSettings): Promise<DimServerHandle> {
    return UcxServerHandle.start(this.#addon, settings);
  }

  protected async ping(host: string, port: number): Promise<boolean> {
    try {
      await this.#request(host, port, 'ping', '');
      return true;
    } catch {
      return false;
    }
  }

  #request(
    host: string,
    port: number,
    op: UcxOp,
    id: string,
    extra: { data?: Uint8Array; expected?: number } = {},
  ): Promise<UcxReply> {
    return ucxRequest(
      this.#addon,
      { host, port, op, id, data: extra.data, expectedSize: extra.expected },
      this.options,
    );
  }

  #checkSize(data: Uint8Array, address: string): void {
    const { maxMessageSize } = this.options;
    if (data.byteLength <= maxMessageSize) return;
    throw new DimConnectorError(
      this.kind,
      address,
      `Cannot put an object of ${data.byteLength} bytes: maxMessageSize is ` +
        `${maxMessageSize}. Raise maxMessageSize on every peer.`,
    );
  }
}

registerConnectorKind(UCX.kind, (options) => UCXConnector.fromConfig(options));
