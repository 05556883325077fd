import type { StoreOptions } from '../store/config.js';
import { Store } from '../store/store.js';
import {
  EndpointConnector,
  type EndpointConnectorOptions,
  type EndpointKey,
} from './endpoint-connector.js';

/** Options of {@link EndpointStore}: the store's and the connector's. */
export interface EndpointStoreOptions
  extends StoreOptions,
    EndpointConnectorOptions {}

/**
 * A store whose objects live in ProxyStore endpoints:
 * `new Store(name, new EndpointConnector({ endpoints }))`. A proxy made at
 * one site resolves at another site whose endpoint peers with the first.
 *
 * @example
 * ```ts
 * import { EndpointStore } from 'proxystore/endpoint';
 *
 * const store = new EndpointStore('site-a', { endpoints: [idA, idB] });
 * const p = await store.proxy(largeObject);   // send p to site B
 * await store.close();
 * ```
 *
 * @remarks
 * Start the endpoint first (`proxystore-endpoint start NAME`). Implicit
 * resolution blocks the thread while the bridge worker fetches the object.
 */
export class EndpointStore extends Store<EndpointKey> {
  constructor(name: string, options: EndpointStoreOptions) {
    const { endpoints, proxystoreDir, timeoutMs, ...storeOptions } =
      options ?? ({} as EndpointStoreOptions);
    super(
      name,
      new EndpointConnector({ endpoints, proxystoreDir, timeoutMs }),
      storeOptions,
    );
  }
}
