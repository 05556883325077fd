import type { JsonObject, JsonValue } from '../utils/json.js';

/**
 * A key as a connector returns it from `put`: a small JSON-safe object (for
 * example `{ id: '3f2c…' }`) that travels inside references, so it must not
 * hold anything but JSON values.
 */
export type ConnectorKey = { readonly [field: string]: JsonValue };

/**
 * Everything needed to rebuild a connector in another process:
 * the registered kind and the constructor options, both JSON-safe.
 */
export interface ConnectorConfig {
  /** Registered connector kind, for example `'file'` or `'redis'`. */
  kind: string;
  /** JSON-safe options that `fromConfig` of that kind accepts. */
  options: JsonObject;
}

/** Options of {@link Connector.close}. */
export interface CloseOptions {
  /**
   * Delete what this connector stored (for example its directory, or the
   * keys it wrote). Each connector documents its default.
   */
  clear?: boolean | undefined;
}

/**
 * The byte-level contract every backend implements. A connector stores
 * opaque bytes under keys it makes; it knows nothing of serialization,
 * caching or proxies, which belong to `Store`.
 *
 * Rules every implementation follows (the contract suite checks them):
 * - `get` of a missing key resolves `null`; `evict` of a missing key is a no-op.
 * - Batch methods keep order, and an empty batch does no I/O.
 * - A failed `put` leaves nothing that a later `get` or `exists` reads as data.
 * - `close()` is idempotent.
 * - `config()` is JSON-safe and rebuilds an equivalent connector.
 */
export interface Connector<K extends ConnectorKey = ConnectorKey> {
  /** The registered kind (matches `config().kind`). */
  readonly kind: string;

  /** Stores bytes under a new key and returns the key. */
  put(data: Uint8Array): Promise<K>;
  /** Stores several byte strings; the keys come back in the same order. */
  putBatch(data: readonly Uint8Array[]): Promise<K[]>;
  /** Returns the bytes under a key, or `null` when there are none. */
  get(key: K): Promise<Uint8Array | null>;
  /** Like `get` for several keys, in order. */
  getBatch(keys: readonly K[]): Promise<(Uint8Array | null)[]>;
  /** Whether an object exists under the key. */
  exists(key: K): Promise<boolean>;
  /** Removes the object under the key; missing keys are ignored. */
  evict(key: K): Promise<void>;

  /** The JSON-safe config from which `fromConfig` rebuilds this connector. */
  config(): ConnectorConfig;
  /** Releases resources; see {@link CloseOptions}. Idempotent. */
  close(options?: CloseOptions): Promise<void>;

  /**
   * Stores the concatenation of `parts` under a new key without joining them
   * first (the store passes a small header and a large body, saving a copy of
   * the body). Optional: the store joins the parts and calls `put` otherwise.
   */
  putParts?(parts: readonly Uint8Array[]): Promise<K>;

  /**
   * Synchronous read, for connectors that can do it natively (process memory,
   * files). Connectors without it are read through the bridge when a proxy
   * resolves implicitly.
   */
  getSync?(key: K): Uint8Array | null;
  /** Synchronous existence check; same rule as {@link Connector.getSync}. */
  existsSync?(key: K): boolean;
}

/** A connector that can also write under a key made before the object exists. */
export interface DeferrableConnector<K extends ConnectorKey = ConnectorKey>
  extends Connector<K> {
  /** Makes a key that `set` can later write; nothing exists under it yet. */
  newKey(): Promise<K>;
  /** Writes bytes under a key from `newKey` (or overwrites). */
  set(key: K, data: Uint8Array): Promise<void>;
}

/** Whether a connector implements {@link DeferrableConnector}. */
export function isDeferrable<K extends ConnectorKey>(
  connector: Connector<K>,
): connector is DeferrableConnector<K> {
  const c = connector as Partial<DeferrableConnector<K>>;
  return typeof c.newKey === 'function' && typeof c.set === 'function';
}
