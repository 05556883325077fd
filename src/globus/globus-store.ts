import type { StoreOptions } from '../store/config.js';
import { Store } from '../store/store.js';
import { GlobusConnector } from './globus-connector.js';
import type { GlobusConnectorOptions, GlobusKey } from './globus-connector.js';

/** Options of {@link GlobusStore}: the connector's and the store's. */
export interface GlobusStoreOptions extends StoreOptions, GlobusConnectorOptions {}

/**
 * A store whose objects travel between sites with Globus Transfer (see
 * {@link GlobusConnector}). Proxies made at one site resolve at any site
 * listed in `endpoints`, once the copy there has finished.
 *
 * @example
 * ```ts
 * const store = new GlobusStore('sites', {
 *   endpoints: GlobusEndpoints.fromJsonFile('globus-endpoints.json'),
 *   timeout: 120_000,
 * });
 * const p = await store.proxy(bigResult);
 * ```
 */
export class GlobusStore extends Store<GlobusKey> {
  constructor(name: string, options: GlobusStoreOptions) {
    const {
      endpoints,
      clear,
      pollingInterval,
      syncLevel,
      timeout,
      hostname,
      transferUrl,
      authUrl,
      transferClient,
      ...storeOptions
    } = options;
    const connector = new GlobusConnector({
      endpoints,
      clear,
      pollingInterval,
      syncLevel,
      timeout,
      hostname,
      transferUrl,
      authUrl,
      transferClient,
    });
    super(name, connector, storeOptions);
  }
}
