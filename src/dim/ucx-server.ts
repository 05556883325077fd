import { DimConnectorError } from '../errors.js';
import { logger } from '../utils/debug.js';
import type { DimServerSettings } from './dim-config.js';
import { formatAddress } from './dim-key.js';
import type { DimServerHandle } from './server-registry.js';
import { callUcx } from './ucx-binding.js';
import type { UcxAddon, UcxNativeError } from './ucx-binding.js';
import { ucxError, ucxHostIp } from './ucx-peer.js';

const log = logger('dim:ucx:server');

const KIND = 'ucx';

/**
 * A UCX DIM server this process started. The server lives in the addon:
 * a UCX listener whose requests are answered on the addon's progress
 * thread, with the objects in native memory. No JS thread takes part in
 * answering, so the server keeps answering while any JS thread of this
 * process blocks in a synchronous resolve.
 */
export class UcxServerHandle implements DimServerHandle {
  readonly kind = KIND;
  readonly owned = true;
  readonly host: string;
  readonly port: number;
  readonly address: string;
  readonly #addon: UcxAddon;
  readonly #serverId: number;
  #stopping: Promise<void> | undefined;

  private constructor(addon: UcxAddon, serverId: number, host: string, port: number) {
    this.#addon = addon;
    this.#serverId = serverId;
    this.host = host;
    this.port = port;
    this.address = formatAddress(host, port);
  }

  /**
   * Starts a server and resolves once it listens.
   *
   * @throws {@link DimConnectorError}; its `code` is `'EADDRINUSE'` when
   * the port is taken.
   */
  static async start(addon: UcxAddon, settings: DimServerSettings): Promise<UcxServerHandle> {
    const address = formatAddress(settings.host, settings.port);
    try {
      const ip = await ucxHostIp(settings.host);
      const info = await callUcx<{ serverId: number; port: number }>((done) =>
        addon.startServer(ip, settings.port, settings.maxMessageSize, settings.chunkSize, done),
      );
      log('listening at %s', formatAddress(settings.host, info.port));
      return new UcxServerHandle(addon, info.serverId, settings.host, info.port);
    } catch (error) {
      const cause = error as UcxNativeError;
      const inUse = cause.code === 'ERR_UCX_ADDRESS_IN_USE';
      throw Object.assign(
        new DimConnectorError(
          KIND,
          address,
          `Could not start the UCX DIM server at ${address}: ${cause.message}` +
            (inUse ? ' Pick another port (or 0 for a free one).' : ''),
          { cause },
        ),
        { code: inUse ? 'EADDRINUSE' : cause.code },
      );
    }
  }

  /**
   * Stores a copy of `data` under `id` (the caller's bytes stay intact).
   * TODO(ucx): one memcpy per put; N-API cannot take over a JS buffer.
   */
  async put(id: string, data: Uint8Array): Promise<void> {
    this.#assertRunning();
    try {
      await callUcx<undefined>((done) => this.#addon.put(this.#serverId, id, data, done));
    } catch (error) {
      throw ucxError(error as UcxNativeError, this.address, 'put');
    }
  }

  /** Sets the bytes a `raw` request for `key` returns (benchmark baseline). */
  async setRaw(key: string, data: Uint8Array): Promise<void> {
    this.#assertRunning();
    await callUcx<undefined>((done) => this.#addon.setRaw(this.#serverId, key, data, done));
  }

  /** Stops the server; its objects are dropped. Idempotent. */
  stop(): Promise<void> {
    this.#stopping ??= callUcx<undefined>((done) =>
      this.#addon.stopServer(this.#serverId, done),
    ).then(() => log('stopped the server at %s', this.address));
    return this.#stopping;
  }

  #assertRunning(): void {
    if (this.#stopping === undefined) return;
    throw new DimConnectorError(
      KIND,
      this.address,
      `The UCX DIM server of this process at ${this.address} was stopped; ` +
        'its objects are gone.',
    );
  }
}
