import type { ConnectorConfig } from '../connectors/connector.js';
import type { Deserializer, Serializer } from '../serialize/index.js';

/**
 * The JSON-safe description of a store, from which `Store.fromConfig` rebuilds
 * it in another process. Proxies carry it inside their reference.
 */
export interface StoreConfig {
  [field: string]: string | number | boolean | ConnectorConfig | undefined;
  name: string;
  connector: ConnectorConfig;
  /** Name of a registered codec (see `registerCodec`), when not the default. */
  serializer?: string | undefined;
  /** Name of a registered codec (see `registerCodec`), when not the default. */
  deserializer?: string | undefined;
  cacheSize: number;
  metrics: boolean;
  populateTarget: boolean;
  register: boolean;
}

/** Options of the `Store` constructor. */
export interface StoreOptions {
  /**
   * Default serializer: a function, or the name of a registered codec. A
   * function that is not registered works in this process only: proxies that
   * travel need every process to know it (`registerCodec`).
   * @defaultValue the built-in codec (`serialize`)
   */
  serializer?: Serializer | string | undefined;
  /** Default deserializer, as {@link StoreOptions.serializer}. */
  deserializer?: Deserializer | string | undefined;
  /**
   * Number of deserialized values kept in the LRU cache; 0 disables it.
   * @defaultValue 16
   */
  cacheSize?: number | undefined;
  /**
   * Record per-key operation counts, times and sizes (`store.metrics`).
   * @defaultValue false
   */
  metrics?: boolean | undefined;
  /**
   * Whether `store.proxy(obj)` returns a proxy already resolved to `obj`
   * (its reference still carries only the key).
   * @defaultValue true
   */
  populateTarget?: boolean | undefined;
  /**
   * Register the store in this process's registry on construction, and
   * unregister it on `close()`.
   * @defaultValue false
   */
  register?: boolean | undefined;
}

/** Prefix of the config value naming a deserializer function nobody registered. */
export const UNREGISTERED_CODEC = 'unregistered:';

export const DEFAULT_CACHE_SIZE = 16;
