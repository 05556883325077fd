import { InvalidArgumentError, StoreExistsError } from '../errors.js';
import { logger } from '../utils/debug.js';
import { checkStoreConfig, type StoreConfig } from './config.js';
import type { Store } from './store.js';

const log = logger('store:registry');

/** This process's (this thread's) stores by name. */
const stores = new Map<string, Store>();

/**
 * Registers a store so that proxies resolving in this process find it by
 * name instead of rebuilding it from their config.
 *
 * @throws {@link StoreExistsError} when the name is taken and `existOk` is false.
 */
export function registerStore(store: Store, existOk = false): void {
  if (storeClass === undefined || !(store instanceof storeClass)) {
    throw InvalidArgumentError.format('store', store, 'registerStore() takes a Store');
  }
  if (stores.has(store.name) && !existOk) throw new StoreExistsError(store.name);
  stores.set(store.name, store);
  log('registered %s', store.name);
}

/** Removes the store registered under `name`; an unknown name is a no-op. */
export function unregisterStore(name: string): void {
  if (stores.delete(name)) log('unregistered %s', name);
}

/** Removes `store` only if it is the one registered under its name. */
export function unregisterStoreInstance(store: Store): void {
  if (stores.get(store.name) === store) unregisterStore(store.name);
}

/** The store registered under `name`, or `undefined`. */
export function getStoreByName(name: string): Store | undefined {
  return stores.get(name);
}

/**
 * The store registered under `config.name`, or a new one built from the config
 * (and registered unless `register` is false).
 */
export function getOrCreateStore(config: StoreConfig, register = true): Store {
  checkStoreConfig(config);
  const existing = stores.get(config.name);
  if (existing !== undefined) return existing;

  const store = importStoreClass().fromConfig(config);
  if (register) registerStore(store, true);
  return store;
}

/** Every registered store (a copy). */
export function registeredStores(): Store[] {
  return [...stores.values()];
}

let storeClass: typeof Store | undefined;

/** Store registers itself here, so this module needs no import cycle at load. */
export function setStoreClass(cls: typeof Store): void {
  storeClass = cls;
}

function importStoreClass(): typeof Store {
  if (storeClass === undefined) throw new Error('Store class not initialised');
  return storeClass;
}
