import type { StoreOptions } from '../store/config.js';
import { Store } from '../store/store.js';
import { splitDimOptions } from './dim-config.js';
import type { DimKey } from './dim-key.js';
import type { UCXConnectorOptions } from './ucx-config.js';
import { UCXConnector } from './ucx-connector.js';

/** Options of {@link UCXStore}: the store's and the connector's. */
export interface UCXStoreOptions extends StoreOptions, UCXConnectorOptions {}

/**
 * A {@link Store} over a {@link UCXConnector}: objects stay in the memory
 * of the process that put them and are fetched from it directly over UCX.
 *
 * @example
 * ```ts
 * const store = new UCXStore('ucx', { address: '10.0.0.5', port: 13337 });
 * const p = await store.proxy(bigBuffer); // starts this process's server
 * // send p anywhere; it resolves by fetching from this process
 * ```
 *
 * @throws {@link UcxUnavailableError} when UCX or its addon is missing.
 */
export class UCXStore extends Store<DimKey> {
  declare readonly connector: UCXConnector;

  constructor(name: string, options: UCXStoreOptions = {}) {
    const { connector, store } = splitDimOptions(options);
    super(name, new UCXConnector(connector), store);
  }
}
