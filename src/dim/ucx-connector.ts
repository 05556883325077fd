import type { CloseOptions, Connector, ConnectorConfig } from '../connectors/connector.js';
import { registerConnectorKind } from '../connectors/kinds.js';
import { DimConnectorError } from '../errors.js';
import { logger } from '../utils/debug.js';
import type { JsonObject } from '../utils/json.js';
import { newObjectId } from '../utils/uuid.js';
import { resolveDimHost } from './dim-address.js';
import { assertDimKey, formatAddress } from './dim-key.js';
import type { DimKey } from './dim-key.js';
import { acquireServer } from './server-registry.js';
import type { DimServerHandle, DimServerLease } from './server-registry.js';
import { loadUcxAddon } from './ucx-binding.js';
import type { UcxAddon, UcxOp, UcxReply } from './ucx-binding.js';
import { resolveUCXOptions, ucxOptionsFromJson, ucxOptionsToJson } from './ucx-config.js';
import type { ResolvedUCXOptions, UCXConnectorOptions } from './ucx-config.js';
import { ucxRequest } from './ucx-peer.js';
import { UcxServerHandle } from './ucx-server.js';

const log = logger('connector:ucx');

const KIND = 'ucx';

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
export class UCXConnector implements Connector<DimKey> {
  readonly kind = KIND;
  readonly #options: ResolvedUCXOptions;
  readonly #host: string;
  readonly #addon: UcxAddon;
  #lease: Promise<DimServerLease<DimServerHandle>> | undefined;
  #closing: Promise<void> | undefined;

  /** @throws {@link UcxUnavailableError} when UCX or the addon is missing. */
  constructor(options: UCXConnectorOptions = {}) {
    this.#options = resolveUCXOptions(options);
    this.#host = resolveDimHost(this.#options);
    this.#addon = loadUcxAddon();
  }

  /** Rebuilds a connector from `config().options`; starts no server. */
  static fromConfig(options: JsonObject): UCXConnector {
    return new UCXConnector(ucxOptionsFromJson(options));
  }

  config(): ConnectorConfig {
    return { kind: KIND, options: ucxOptionsToJson(this.#options) };
  }

  /** The address of this process's server, once a put has started it. */
  async serverAddress(): Promise<string> {
    return (await this.#server()).address;
  }

  async put(data: Uint8Array): Promise<DimKey> {
    const server = await this.#server();
    const id = newObjectId();

    if (server instanceof UcxServerHandle) {
      this.#checkSize(data, server.address);
      await server.put(id, data);
    } else {
      await this.#request(server.host, server.port, 'put', id, { data });
    }
    return { kind: KIND, id, size: data.byteLength, host: server.host, port: server.port };
  }

  async putBatch(data: readonly Uint8Array[]): Promise<DimKey[]> {
    return Promise.all(data.map((d) => this.put(d)));
  }

  async get(key: DimKey): Promise<Uint8Array | null> {
    // TODO(ucx): keys of this process's own server could be read without the
    // UCX loopback round trip (as WebsocketConnector does).
    const k = this.#check(key);
    const reply = await this.#request(k.host, k.port, 'get', k.id, { expected: k.size });
    return reply instanceof ArrayBuffer ? new Uint8Array(reply) : null;
  }

  async getBatch(keys: readonly DimKey[]): Promise<(Uint8Array | null)[]> {
    return Promise.all(keys.map((k) => this.get(k)));
  }

  async exists(key: DimKey): Promise<boolean> {
    const k = this.#check(key);
    return (await this.#request(k.host, k.port, 'exists', k.id)) === true;
  }

  async evict(key: DimKey): Promise<void> {
    const k = this.#check(key);
    await this.#request(k.host, k.port, 'evict', k.id);
  }

  /**
   * Gives back this connector's share of the server; the last share stops
   * it, dropping its objects (so `clear` has no further effect). Idempotent.
   */
  close(_options?: CloseOptions): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  async #close(): Promise<void> {
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
        UcxServerHandle.start(this.#addon, {
          host: this.#host,
          port: this.#options.port,
          maxMessageSize: this.#options.maxMessageSize,
          chunkSize: this.#options.chunkSize,
        }),
    });
    const lease = this.#lease;
    lease.catch(() => {
      if (this.#lease === lease) this.#lease = undefined;
    });
    return lease.then((l) => l.server);
  }

  async #ping(host: string, port: number): Promise<boolean> {
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
      this.#options,
    );
  }

  #check(key: DimKey): DimKey {
    const checked = assertDimKey(key, KIND);
    this.#assertOpen(formatAddress(checked.host, checked.port));
    return checked;
  }

  #checkSize(data: Uint8Array, address: string): void {
    if (data.byteLength <= this.#options.maxMessageSize) return;
    throw new DimConnectorError(
      KIND,
      address,
      `Cannot put an object of ${data.byteLength} bytes: maxMessageSize is ` +
        `${this.#options.maxMessageSize}. Raise maxMessageSize on every peer.`,
    );
  }

  #assertOpen(address: string): void {
    if (this.#closing === undefined) return;
    throw new DimConnectorError(
      KIND,
      address,
      'This UCXConnector is closed; make a new one (or a new store).',
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

registerConnectorKind(KIND, (options) => UCXConnector.fromConfig(options));
