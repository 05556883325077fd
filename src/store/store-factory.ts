import type { ConnectorKey } from '../connectors/connector.js';
import {
  ProxyResolveError,
  ProxyResolveMissingKeyError,
  SerializationError,
} from '../errors.js';
import type { Factory, FactoryReference } from '../proxy/index.js';
import { codecName, registerFactoryType, type Deserializer } from '../serialize/index.js';
import { logger } from '../utils/debug.js';
import type { JsonObject } from '../utils/json.js';
import { checkStoreConfig, type StoreConfig } from './config.js';
import { getOrCreateStore } from './registry.js';
import type { Store } from './store.js';
import { keyString } from './store-keys.js';

const log = logger('store:factory');

/** A value `get` can never return for a real object. */
const MISSING = Symbol('proxystore.factory.missing');

/** Options of {@link StoreFactory}. */
export interface StoreFactoryOptions {
  /** Evict the object once resolved. @defaultValue false */
  evict?: boolean | undefined;
  /** A deserializer function or registered codec name. */
  deserializer?: Deserializer | string | undefined;
}

/**
 * The factory behind every store proxy: the key, the store's config and a few
 * flags. It is what travels: its reference holds no target, promise, socket or
 * function, only JSON, so it stays small whatever the object's size. In
 * another process it finds the store by name in that process's registry, or
 * rebuilds it from the config and registers it.
 */
export class StoreFactory<T = unknown> implements Factory<T> {
  readonly key: ConnectorKey;
  readonly storeConfig: StoreConfig;
  readonly evict: boolean;
  readonly deserializer: Deserializer | string | undefined;

  constructor(key: ConnectorKey, storeConfig: StoreConfig, options: StoreFactoryOptions = {}) {
    this.key = key;
    this.storeConfig = storeConfig;
    this.evict = options.evict ?? false;
    this.deserializer = options.deserializer;
  }

  /** The store this factory reads from (found or rebuilt, then registered). */
  getStore(): Store {
    const store = getOrCreateStore(this.storeConfig);
    const expected = this.storeConfig.connector.kind;
    if (store.connector.kind !== expected) {
      throw new ProxyResolveError(
        `The store registered as '${store.name}' uses a '${store.connector.kind}' ` +
          `connector, but this proxy's object lives in a '${expected}' connector. ` +
          'Give stores with different backends different names.',
      );
    }
    return store;
  }

  resolveSync(): T {
    const store = this.getStore();
    const value = store.getSync(this.key, { default: MISSING, ...this.#getOptions() });
    if (value === MISSING) throw this.#missing();

    if (this.evict) {
      store.evict(this.key).catch((err: unknown) => {
        log('evict after resolve failed for %o: %s', this.key, (err as Error).message);
      });
    }
    return value as T;
  }

  async resolve(): Promise<T> {
    const store = this.getStore();
    const value = await store.get(this.key, { default: MISSING, ...this.#getOptions() });
    if (value === MISSING) throw this.#missing();

    if (this.evict) await store.evict(this.key);
    return value as T;
  }

  toReference(): FactoryReference {
    const ref: FactoryReference = {
      type: 'store',
      key: this.key as JsonObject,
      store: this.storeConfig as unknown as JsonObject,
      evict: this.evict,
    };
    const fn = this.deserializer;
    if (fn !== undefined) {
      const name = typeof fn === 'string' ? fn : codecName(fn);
      if (name === undefined) {
        throw new SerializationError(
          `The proxy of key ${JSON.stringify(this.key)} has a deserializer function ` +
            `(${(fn as Deserializer).name || 'anonymous'}) that is not registered, so it ` +
            'cannot travel. Register it with registerCodec(name, { deserializer }) in ' +
            'every process and pass the name.',
          { key: this.key },
        );
      }
      ref['deserializer'] = name;
    }
    return ref;
  }

  /** Rebuilds a factory from its reference (used by reference revival). */
  static fromReference(ref: FactoryReference): StoreFactory {
    const key = ref['key'];
    const store = ref['store'];
    if (key === null || typeof key !== 'object' || store === null || typeof store !== 'object') {
      throw new SerializationError(
        'A store proxy reference needs object "key" and "store" fields.',
      );
    }
    keyString(key as ConnectorKey); // a JSON-safe object, not an array
    checkStoreConfig(store);
    const deserializer = ref['deserializer'];
    return new StoreFactory(key as ConnectorKey, store as unknown as StoreConfig, {
      evict: ref['evict'] === true,
      deserializer: typeof deserializer === 'string' ? deserializer : undefined,
    });
  }

  #getOptions(): { deserializer?: Deserializer | string } {
    return this.deserializer === undefined ? {} : { deserializer: this.deserializer };
  }

  #missing(): ProxyResolveMissingKeyError {
    return new ProxyResolveMissingKeyError(
      this.key,
      this.storeConfig.name,
      this.storeConfig.connector.kind,
    );
  }
}

registerFactoryType('store', (ref) => StoreFactory.fromReference(ref));
