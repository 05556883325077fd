import type { StoreOptions } from '../store/config.js';
import { Store } from '../store/store.js';
import { splitDimOptions } from './dim-config.js';
import type { DimKey } from './dim-key.js';
import type { WebsocketConnectorOptions } from './websocket-config.js';
import { WebsocketConnector } from './websocket-connector.js';

/** Options of {@link WebsocketStore}: the store's and the connector's. */
export interface WebsocketStoreOptions extends StoreOptions, WebsocketConnectorOptions {}

/**
 * A {@link Store} over a {@link WebsocketConnector}: objects stay in the
 * memory of the process that put them and are fetched from it directly.
 *
 * @example
 * ```ts
 * const store = new WebsocketStore('dim', { address: '10.0.0.5', port: 9876 });
 * const p = await store.proxy(bigBuffer); // starts this process's server
 * // send p anywhere; it resolves by fetching from this process
 * ```
 */
export class WebsocketStore extends Store<DimKey> {
  /** The store's connector (typed, for {@link WebsocketConnector.serverAddress}). */
  declare readonly connector: WebsocketConnector;

  constructor(name: string, options: WebsocketStoreOptions = {}) {
    const { connector, store } = splitDimOptions(options);
    super(name, new WebsocketConnector(connector), store);
  }
}
