import { ProxyStoreFactoryError } from '../errors.js';
import { getFactory, isProxy } from '../proxy/index.js';
import { getStoreByName } from './registry.js';
import type { Store } from './store.js';
import { StoreFactory } from './store-factory.js';

/**
 * The store registered under a name, or the store of a proxy (rebuilt from
 * the proxy's config and registered if needed). `undefined` for an unknown name.
 *
 * @throws {@link ProxyStoreFactoryError} for a proxy whose factory is not a
 * `StoreFactory`.
 */
export function getStore(nameOrProxy: unknown): Store | undefined {
  if (isProxy(nameOrProxy)) {
    const factory = getFactory(nameOrProxy);
    if (!(factory instanceof StoreFactory)) {
      const type = (factory as object | undefined)?.constructor?.name ?? typeof factory;
      throw new ProxyStoreFactoryError(
        `The proxy's factory is a ${type}, not a StoreFactory, so it has no store. ` +
          'Only proxies made by a Store (store.proxy(), store.proxyFromKey()) have one.',
      );
    }
    return factory.getStore();
  }
  if (typeof nameOrProxy !== 'string') return undefined;
  return getStoreByName(nameOrProxy);
}

