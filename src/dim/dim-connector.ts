import type { CloseOptions, Connector, ConnectorConfig } from '../connectors/connector.js';
import { DimConnectorError } from '../errors.js';
import { logger } from '../utils/debug.js';
import type { Logger } from '../utils/debug.js';
import { newObjectId } from '../utils/uuid.js';
import { resolveDimHost } from './dim-address.js';
import { dimOptionsToJson, resolveDimOptions } from './dim-config.js';
import type {
  DimChunkLimits,
  DimConnectorOptions,
  DimServerSettings,
  ResolvedDimOptions,
} from './dim-config.js';
import { DIM_KINDS, assertDimKey, formatAddress } from './dim-key.js';
import type { DimKey, DimKind } from './dim-key.js';
import { acquireServer } from './server-registry.js';
import type { DimServerHandle, DimServerLease } from './server-registry.js';

/** One logger per kind: `proxystore:connector:<kind>`. */
const LOGS = Object.fromEntries(
  DIM_KINDS.map((kind) => [kind, logger(`connector:${kind}`)]),
) as Record<DimKind, Logger>;

/** What a DIM transport tells {@link DimConnector} about itself. */
export interface DimTransportInfo<K extends DimKind> {
  readonly kind: K;
  /** The connector's class name, as error messages give it. */
  readonly className: string;
  readonly chunkLimits: DimChunkLimits;
}

/**
 * What every DIM connector does the same way, whatever its transport: it
 * checks its options, finds the host it listens on, takes a share of this
 * process's one server of its kind on the first `put` (started, or found
 * answering at a fixed port) and gives it back on `close`, checks keys,
 * and refuses work once closed.
 *
 * A transport adds how to store bytes on a server, how to `get`, `exists`
 * and `evict` by key, and how to start and ping a server. Building a
 * connector starts nothing, so one rebuilt from its config is only a
 * client.
 */
export abstract class DimConnector<K extends DimKind> implements Connector<DimKey> {
  readonly kind: K;
  readonly #className: string;
  readonly #options: ResolvedDimOptions;
  readonly #host: string;
  #lease: Promise<DimServerLease<DimServerHandle>> | undefined;
  #closing: Promise<void> | undefined;

  /** @throws {@link InvalidArgumentError} for a bad option. */
  protected constructor(transport: DimTransportInfo<K>, options: DimConnectorOptions) {
    this.kind = transport.kind;
    this.#className = transport.className;
    this.#options = resolveDimOptions(options, transport.chunkLimits);
    this.#host = resolveDimHost(this.#options);
  }

  /** The validated options. */
  protected get options(): ResolvedDimOptions {
    return this.#options;
  }

  config(): ConnectorConfig {
    return { kind: this.kind, options: dimOptionsToJson(this.#options) };
  }

  /** The address of this process's server, once a put has started it. */
  async serverAddress(): Promise<string> {
    return (await this.server()).address;
  }

  async put(data: Uint8Array): Promise<DimKey> {
    const server = await this.server();
    const id = newObjectId();

    // No client with these options could fetch a larger object back, so it
    // is refused now rather than when a proxy of it resolves.
    const { maxMessageSize } = this.#options;
    if (data.byteLength > maxMessageSize) {
      throw new DimConnectorError(
        this.kind,
        server.address,
        `Cannot put an object of ${data.byteLength} bytes: maxMessageSize is ` +
          `${maxMessageSize}. Raise maxMessageSize on every peer.`,
      );
    }

    await this.putTo(server, id, data);
    return { kind: this.kind, id, size: data.byteLength, host: server.host, port: server.port };
  }

  async putBatch(data: readonly Uint8Array[]): Promise<DimKey[]> {
    return Promise.all(data.map((d) => this.put(d)));
  }

  abstract get(key: DimKey): Promise<Uint8Array | null>;

  async getBatch(keys: readonly DimKey[]): Promise<(Uint8Array | null)[]> {
    return Promise.all(keys.map((k) => this.get(k)));
  }

  abstract exists(key: DimKey): Promise<boolean>;

  abstract evict(key: DimKey): Promise<void>;

  /**
   * Closes this connector's connections and gives back its share of the
   * server; the last share stops it, dropping its objects (so `clear` has
   * no further effect). Idempotent.
   */
  close(_options?: CloseOptions): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  /** Stores `data` under `id` on this process's server (`server()`). */
  protected abstract putTo(server: DimServerHandle, id: string, data: Uint8Array): Promise<void>;

  /** Starts this process's server; resolves once it listens. */
  protected abstract startServer(settings: DimServerSettings): Promise<DimServerHandle>;

  /** Whether some server answers a ping at `host:port`; never throws. */
  protected abstract ping(host: string, port: number): Promise<boolean>;

  /** Closes the transport's client connections (first step of `close`). */
  protected closeClients(): void {}

  /** This process's server, started (or attached) on first use. */
  protected server(): Promise<DimServerHandle> {
    this.#assertOpen(formatAddress(this.#host, this.#options.port));
    this.#lease ??= acquireServer({
      kind: this.kind,
      host: this.#host,
      port: this.#options.port,
      ping: (host, port) => this.ping(host, port),
      attach: (host, port) => remoteServer(this.kind, host, port),
      start: () =>
        this.startServer({
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

  /**
   * Checks that `key` is a well-formed key of this kind and that this
   * connector is open.
   *
   * @throws {@link InvalidArgumentError} for a bad key;
   * {@link DimConnectorError} once closed.
   */
  protected checkKey(key: DimKey): DimKey {
    const checked = assertDimKey(key, this.kind);
    this.#assertOpen(formatAddress(checked.host, checked.port));
    return checked;
  }

  async #close(): Promise<void> {
    this.closeClients();

    const lease = this.#lease;
    if (lease === undefined) return;
    try {
      await (await lease).release();
    } catch (error) {
      LOGS[this.kind]('closing: the server had not started (%s)', (error as Error).message);
    }
  }

  #assertOpen(address: string): void {
    if (this.#closing === undefined) return;
    throw new DimConnectorError(
      this.kind,
      address,
      `This ${this.#className} is closed; make a new one (or a new store).`,
    );
  }
}

/** Handle of another process's server found answering at our address. */
function remoteServer(kind: DimKind, host: string, port: number): DimServerHandle {
  return {
    kind,
    host,
    port,
    address: formatAddress(host, port),
    owned: false,
    stop: async () => undefined,
  };
}
