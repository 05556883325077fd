import type {
  CloseOptions,
  Connector,
  ConnectorConfig,
  ConnectorKey,
} from './connector.js';
import { connectorFromConfig } from './kinds.js';

/**
 * A connector whose kind is not loaded in this thread yet: it holds the config,
 * loads the kind's module on first async use and delegates to it. It has no
 * synchronous reads, so implicit resolution of its proxies goes through the
 * bridge. This lets a proxy revived from a reference build its store
 * synchronously whatever the connector kind.
 */
export class DeferredConnector implements Connector {
  readonly kind: string;
  readonly #config: ConnectorConfig;
  #inner: Promise<Connector> | undefined;
  #closed = false;

  constructor(config: ConnectorConfig) {
    this.kind = config.kind;
    this.#config = config;
  }

  #connector(): Promise<Connector> {
    this.#inner ??= connectorFromConfig(this.#config);
    return this.#inner;
  }

  config(): ConnectorConfig {
    return this.#config;
  }

  async put(data: Uint8Array): Promise<ConnectorKey> {
    return (await this.#connector()).put(data);
  }

  async putBatch(data: readonly Uint8Array[]): Promise<ConnectorKey[]> {
    return (await this.#connector()).putBatch(data);
  }

  async get(key: ConnectorKey): Promise<Uint8Array | null> {
    return (await this.#connector()).get(key);
  }

  async getBatch(keys: readonly ConnectorKey[]): Promise<(Uint8Array | null)[]> {
    return (await this.#connector()).getBatch(keys);
  }

  async exists(key: ConnectorKey): Promise<boolean> {
    return (await this.#connector()).exists(key);
  }

  async evict(key: ConnectorKey): Promise<void> {
    return (await this.#connector()).evict(key);
  }

  async close(options?: CloseOptions): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#inner !== undefined) await (await this.#inner).close(options);
  }
}
