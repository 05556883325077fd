import { performance } from 'node:perf_hooks';

import { bridgeExistsSync, bridgeGetSync } from '../bridge/index.js';
import type {
  CloseOptions,
  Connector,
  ConnectorConfig,
  ConnectorKey,
} from '../connectors/connector.js';
import { DeferredConnector } from '../connectors/deferred-connector.js';
import {
  connectorFromConfigSync,
  connectorKinds,
  isConnectorKindLoaded,
} from '../connectors/kinds.js';
import { InvalidArgumentError, ProxyStoreError, SerializationError } from '../errors.js';
import {
  deserializeWith,
  serializeWith,
  type Deserializer,
  type Serializer,
} from '../serialize/index.js';
import { logger } from '../utils/debug.js';
import { rejectUnknownOptions } from '../utils/options.js';
import { LRUCache } from './cache.js';
import { codecConfigName, resolveCodec } from './codec-options.js';
import {
  checkStoreConfig,
  DEFAULT_CACHE_SIZE,
  STORE_OPTION_NAMES,
  UNREGISTERED_CODEC,
  type StoreConfig,
  type StoreOptions,
} from './config.js';
import { siblingsOf, trackInstance, untrackInstance } from './instances.js';
import { StoreMetrics } from './metrics.js';
import { registerStore, setStoreClass, unregisterStoreInstance } from './registry.js';
import {
  proxyBatchOf,
  proxyFromKeyOf,
  proxyOf,
  type ProxyFromKeyOptions,
  type ProxyOptions,
} from './store-proxies.js';
import { joinParts, serializedParts } from './store-bytes.js';
import { keyString } from './store-keys.js';
import { ProxyLocker } from '../proxy/index.js';

const log = logger('store');

/** Per-call options of `get`. */
export interface GetOptions<D> {
  /** Overrides the store's deserializer for this call (ignored on a cache hit). */
  deserializer?: Deserializer | string | undefined;
  /** Returned when the key has no object. @defaultValue null */
  default?: D;
}

/** Per-call options of `put` and `putBatch`. */
export interface PutOptions {
  /** Overrides the store's serializer for this call. */
  serializer?: Serializer | string | undefined;
}

interface InFlight {
  promise: Promise<unknown>;
  stale: boolean;
}

/** The value `get` uses internally for "no object", never exposed. */
const MISSING: unique symbol = Symbol('proxystore.missing');

/**
 * A store: serialization, an LRU cache of deserialized values, optional
 * metrics and proxies, over a byte-level {@link Connector}.
 *
 * @example
 * ```ts
 * const store = new Store('demo', new FileConnector({ storeDir: '/tmp/ps' }));
 * const p = await store.proxy({ rows: [1, 2, 3] });
 * // send JSON.stringify(p) anywhere; JSON.parse(text, reviveProxies) there.
 * ```
 */
export class Store<K extends ConnectorKey = ConnectorKey> {
  readonly name: string;
  readonly connector: Connector<K>;
  readonly cache: LRUCache<string, unknown>;
  /** Per-key metrics, or `undefined` when the store was made without `metrics`. */
  readonly metrics: StoreMetrics | undefined;
  readonly serializer: Serializer | undefined;
  readonly deserializer: Deserializer | undefined;
  readonly populateTarget: boolean;
  readonly #registered: boolean;
  readonly #inFlight = new Map<string, InFlight>();
  #closing: Promise<void> | undefined;

  constructor(name: string, connector: Connector<K>, options: StoreOptions = {}) {
    if (typeof name !== 'string' || name.length === 0) {
      throw InvalidArgumentError.format(
        'name',
        name,
        'a store name is a non-empty string, for example new FileStore("shared", ...)',
      );
    }
    rejectUnknownOptions(options, STORE_OPTION_NAMES, `store '${name}'`);
    if (connector === null || typeof connector !== 'object' || !('put' in connector)) {
      throw InvalidArgumentError.format(
        'connector',
        connector,
        'expected a Connector such as new FileConnector({ storeDir })',
      );
    }

    this.name = name;
    this.connector = connector;
    this.cache = new LRUCache(options.cacheSize ?? DEFAULT_CACHE_SIZE);
    this.metrics = options.metrics === true ? new StoreMetrics() : undefined;
    this.serializer = resolveCodec(options.serializer, 'serializer');
    this.deserializer = resolveCodec(options.deserializer, 'deserializer');
    this.populateTarget = options.populateTarget ?? true;
    this.#registered = options.register ?? false;

    if (this.#registered) registerStore(this as Store);
    trackInstance(this as Store);
  }

  /** Rebuilds a store from {@link Store.config} (loading its connector kind lazily). */
  static fromConfig(config: StoreConfig): Store {
    checkStoreConfig(config);
    const kind = config.connector.kind;
    // A kind that is neither loaded nor loadable fails here, at once.
    const connector =
      isConnectorKindLoaded(kind) || !connectorKinds().includes(kind)
        ? connectorFromConfigSync(config.connector)
        : new DeferredConnector(config.connector);
    for (const which of ['serializer', 'deserializer'] as const) {
      const name = config[which];
      if (name?.startsWith(UNREGISTERED_CODEC) === true) {
        throw new SerializationError(
          `Store '${config.name}' uses a ${which} function that is not registered ` +
            `(${name.slice(UNREGISTERED_CODEC.length)}), so it cannot be rebuilt ` +
            'here. Register it with registerCodec(name, ...) in every process.',
        );
      }
    }
    return new Store(config.name, connector, {
      serializer: config.serializer,
      deserializer: config.deserializer,
      cacheSize: config.cacheSize,
      metrics: config.metrics,
      populateTarget: config.populateTarget,
      register: false,
    });
  }

  /** The JSON-safe config from which {@link Store.fromConfig} rebuilds this store. */
  config(): StoreConfig {
    const config: StoreConfig = {
      name: this.name,
      connector: this.connector.config(),
      cacheSize: this.cache.maxSize,
      metrics: this.metrics !== undefined,
      populateTarget: this.populateTarget,
      register: this.#registered,
    };
    const serializer = codecConfigName(this.serializer);
    const deserializer = codecConfigName(this.deserializer);
    if (serializer !== undefined) config.serializer = serializer;
    if (deserializer !== undefined) config.deserializer = deserializer;
    return config;
  }

  /** Serializes `obj` and stores it; returns its key. The cache is not filled. */
  async put(obj: unknown, options: PutOptions = {}): Promise<K> {
    this.#checkOpen('put');
    const t0 = this.metrics === undefined ? 0 : performance.now();
    const parts = this.#serializeParts(obj, options.serializer);
    const data = parts.length === 1 ? (parts[0] as Uint8Array) : undefined;
    const size = parts.reduce((n, part) => n + part.byteLength, 0);
    const t1 = this.metrics === undefined ? 0 : performance.now();

    const key =
      data !== undefined
        ? await this.connector.put(data)
        : this.connector.putParts !== undefined
          ? await this.connector.putParts(parts)
          : await this.connector.put(joinParts(parts, size));

    if (this.metrics !== undefined) {
      const id = keyString(key);
      this.metrics.addTime(id, 'store.put.serialize', t1 - t0);
      this.metrics.addTime(id, 'store.put.connector', performance.now() - t1);
      this.metrics.addTime(id, 'store.put', performance.now() - t0);
      this.metrics.setSize(id, 'store.put.object_size', size);
    }
    log('%s put key=%s bytes=%d', this.name, keyString(key), size);
    return key;
  }

  /** Serializes every object, then stores them in one connector batch. */
  async putBatch(objs: readonly unknown[], options: PutOptions = {}): Promise<K[]> {
    if (!Array.isArray(objs)) {
      throw InvalidArgumentError.format('objs', objs, 'putBatch() takes an array');
    }
    this.#checkOpen('putBatch');
    const data = objs.map((o) => this.#serialize(o, options.serializer));
    return data.length === 0 ? [] : this.connector.putBatch(data);
  }

  /**
   * Returns the object under `key`, or `options.default` (null) when there is
   * none. A stored `null` is returned as `null`, distinct from a miss only
   * through `default`. Concurrent gets of one key share one fetch.
   */
  async get<T = unknown, D = null>(key: K, options: GetOptions<D> = {}): Promise<T | D> {
    const fallback = ('default' in options ? options.default : null) as D;
    const id = keyString(key);
    const hit = this.cache.get(id);
    if (hit !== undefined) {
      this.metrics?.addCounter(id, 'store.get.cache_hits');
      return hit.value as T;
    }
    this.metrics?.addCounter(id, 'store.get.cache_misses');

    const custom = options.deserializer !== undefined;
    const flightId = custom ? undefined : id;
    const shared = flightId === undefined ? undefined : this.#inFlight.get(flightId);
    const value = await (shared?.promise ?? this.#fetch(key, id, options.deserializer));
    return value === MISSING ? fallback : (value as T);
  }

  /** Whether an object exists under `key` (a cached key counts). */
  async exists(key: K): Promise<boolean> {
    if (this.cache.has(keyString(key))) return true;
    return this.connector.exists(key);
  }

  /**
   * Removes the object under `key` from the connector and the cache, and
   * from the caches of the other instances of this store in this thread
   * (for example one rebuilt by a proxy that resolved here).
   */
  async evict(key: K): Promise<void> {
    const id = keyString(key);
    const stores = [this as Store, ...siblingsOf(this as Store)];
    for (const store of stores) store.#forget(id);
    await this.connector.evict(key);
    for (const store of stores) store.#forget(id);
    this.metrics?.addCounter(id, 'store.evict');
    log('%s evict key=%s', this.name, id);
  }

  /** Whether the deserialized value under `key` is in this store's cache. */
  isCached(key: K): boolean {
    return this.cache.has(keyString(key));
  }

  /**
   * Synchronous `get`, used by implicit proxy resolution: native for
   * connectors that read synchronously, otherwise through the bridge.
   */
  getSync<T = unknown, D = null>(key: K, options: GetOptions<D> = {}): T | D {
    const fallback = ('default' in options ? options.default : null) as D;
    const id = keyString(key);
    const hit = this.cache.get(id);
    if (hit !== undefined) return hit.value as T;

    const bytes =
      this.connector.getSync !== undefined
        ? this.connector.getSync(key)
        : bridgeGetSync(this.connector.config(), key, { storeName: this.name });
    if (bytes === null) return fallback;

    const value = this.#deserialize(bytes, key, options.deserializer);
    if (options.deserializer === undefined) this.cache.set(id, value);
    return value as T;
  }

  /**
   * Stores `obj` and returns a proxy of it, which resolves wherever it is
   * sent. See {@link ProxyOptions}; non-objects raise
   * {@link NonProxiableTypeError} unless `skipNonProxiable` is set.
   *
   * @remarks A proxy of a proxy (`store.proxy(p)`) stores only `p`'s
   * reference, never its target: the outer proxy resolves to a proxy of the
   * inner object, so evicting the inner object (or closing its store with
   * `clear`) breaks the outer one too.
   */
  proxy<T>(obj: T, options: ProxyOptions = {}): Promise<T> {
    return proxyOf(this as Store, obj, options);
  }

  /** {@link Store.proxy} for many objects, stored in one connector batch. */
  proxyBatch<T>(objs: readonly T[], options: ProxyOptions = {}): Promise<T[]> {
    return proxyBatchOf(this as Store, objs, options);
  }

  /** A proxy of the object already stored under `key`; does no I/O. */
  proxyFromKey<T = unknown>(key: K, options: ProxyFromKeyOptions = {}): T {
    keyString(key);
    return proxyFromKeyOf(this as Store, key, options);
  }

  /** {@link Store.proxy} wrapped in a {@link ProxyLocker} (non-objects pass through). */
  async lockedProxy<T>(obj: T, options: ProxyOptions = {}): Promise<ProxyLocker<T>> {
    const proxy = await this.proxy(obj, { skipNonProxiable: true, ...options });
    return new ProxyLocker(proxy);
  }

  /** Synchronous `exists`, native or through the bridge. */
  existsSync(key: K): boolean {
    if (this.cache.has(keyString(key))) return true;
    if (this.connector.existsSync !== undefined) return this.connector.existsSync(key);
    return bridgeExistsSync(this.connector.config(), key, { storeName: this.name });
  }

  /**
   * Closes the connector (options go to it, for example `{ clear: true }`) and
   * unregisters the store if it registered itself. Idempotent.
   */
  close(options?: CloseOptions): Promise<void> {
    this.#closing ??= (async () => {
      untrackInstance(this as Store);
      if (this.#registered) unregisterStoreInstance(this as Store);
      await this.connector.close(options);
      log('%s closed', this.name);
    })();
    return this.#closing;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  /** See {@link serializedParts}: the bytes format as header + body. */
  #serializeParts(
    obj: unknown,
    serializer: Serializer | string | undefined,
  ): readonly Uint8Array[] {
    const fn = resolveCodec(serializer, 'serializer') ?? this.serializer;
    return serializedParts(obj, fn);
  }

  #serialize(obj: unknown, serializer: Serializer | string | undefined): Uint8Array {
    const fn = resolveCodec(serializer, 'serializer') ?? this.serializer;
    return serializeWith(obj, fn);
  }

  #deserialize(bytes: Uint8Array, key: K, override: Deserializer | string | undefined): unknown {
    const fn = resolveCodec(override, 'deserializer') ?? this.deserializer;
    return deserializeWith(bytes, fn, key);
  }

  #fetch(key: K, id: string, override: Deserializer | string | undefined): Promise<unknown> {
    const flight: InFlight = { promise: Promise.resolve(), stale: false };
    // Listed before the read starts, so that the read's cleanup finds it
    // even when the connector throws synchronously.
    if (override === undefined) this.#inFlight.set(id, flight);
    flight.promise = this.#read(key, id, override, flight);
    return flight.promise;
  }

  async #read(
    key: K,
    id: string,
    override: Deserializer | string | undefined,
    flight: InFlight,
  ): Promise<unknown> {
    const t0 = this.metrics === undefined ? 0 : performance.now();
    try {
      const bytes = await this.connector.get(key);
      if (this.metrics !== undefined) {
        this.metrics.addTime(id, 'store.get.connector', performance.now() - t0);
      }
      if (bytes === null) return MISSING;

      const value = this.#deserialize(bytes, key, override);
      if (override === undefined && !flight.stale) this.cache.set(id, value);
      return value;
    } finally {
      if (this.#inFlight.get(id) === flight) this.#inFlight.delete(id);
    }
  }

  #checkOpen(method: string): void {
    if (this.#closing === undefined) return;
    throw new ProxyStoreError(
      `Cannot ${method}() on store '${this.name}': it was closed. Create a new store ` +
        '(or keep this one open until its producers are done).',
    );
  }

  /** Drops the cache entry and marks any fetch in flight as stale. */
  #forget(id: string): void {
    this.cache.evict(id);
    const flight = this.#inFlight.get(id);
    if (flight !== undefined) {
      flight.stale = true;
      this.#inFlight.delete(id);
    }
  }
}

setStoreClass(Store);

export type { ConnectorConfig };
export { keyString };
