import type { ConnectorConfig } from '../connectors/connector.js';
import { InvalidArgumentError } from '../errors.js';
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
   *
   * The cache holds the objects themselves: `get()` of a cached key and
   * every proxy of it that resolves in this thread share one object, so a
   * change made through one is seen by the others (as upstream's cache).
   * Use 0 when consumers must each get their own copy.
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

/** Names of {@link StoreOptions}, for rejecting misspelled options. */
export const STORE_OPTION_NAMES = [
  'serializer',
  'deserializer',
  'cacheSize',
  'metrics',
  'populateTarget',
  'register',
] as const;

/** Prefix of the config value naming a deserializer function nobody registered. */
export const UNREGISTERED_CODEC = 'unregistered:';

export const DEFAULT_CACHE_SIZE = 16;

const OPTIONAL_FIELDS: Readonly<Record<string, string>> = {
  serializer: 'string',
  deserializer: 'string',
  cacheSize: 'number',
  metrics: 'boolean',
  populateTarget: 'boolean',
  register: 'boolean',
};

/**
 * Checks the shape of a store config that came from outside (a reference
 * from the wire, a config file): a non-empty `name`, a `connector` with a
 * string `kind` and an `options` object, and fields of the right types.
 * Values are checked later by the store and connector themselves.
 *
 * @throws {@link InvalidArgumentError} naming the first bad field.
 */
export function checkStoreConfig(config: unknown): asserts config is StoreConfig {
  const bad = (reason: string): never => {
    throw InvalidArgumentError.format('config', config, reason);
  };

  if (!isRecord(config)) bad('a store config is an object');
  const record = config as Record<string, unknown>;

  const name = record['name'];
  if (typeof name !== 'string' || name.length === 0) {
    bad('a store config needs a non-empty string name');
  }

  const connector = record['connector'];
  const valid =
    isRecord(connector) &&
    typeof connector['kind'] === 'string' &&
    isRecord(connector['options']);
  if (!valid) bad('its connector must be { kind: string, options: object }');

  for (const [field, type] of Object.entries(OPTIONAL_FIELDS)) {
    const value = record[field];
    if (value !== undefined && typeof value !== type) {
      bad(`its ${field} must be a ${type} when present`);
    }
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
