import type { ConnectorKey } from '../connectors/connector.js';
import { InvalidArgumentError, NonProxiableTypeError } from '../errors.js';
import { createProxy, kindOf, type ProxyKind } from '../proxy/index.js';
import type { Deserializer, Serializer } from '../serialize/index.js';
import type { Store } from './store.js';
import { StoreFactory } from './store-factory.js';
import { keyString } from './store-keys.js';

/** Options of `Store.proxyFromKey`. */
export interface ProxyFromKeyOptions {
  /** Evict the object from the store when the proxy resolves. @defaultValue false */
  evict?: boolean | undefined;
  /** Deserializer for this proxy (a function or a registered codec name). */
  deserializer?: Deserializer | string | undefined;
  /**
   * Kind of the stored value, which fixes the proxy's `typeof`,
   * callability and `Array.isArray` before it resolves.
   * @defaultValue 'object'
   */
  kind?: ProxyKind | undefined;
}

/** Options of `Store.proxy` and `Store.proxyBatch`. */
export interface ProxyOptions extends Omit<ProxyFromKeyOptions, 'kind'> {
  /** Serializer for this call (a function or a registered codec name). */
  serializer?: Serializer | string | undefined;
  /** Overrides the store's `populateTarget` for this proxy. */
  populateTarget?: boolean | undefined;
  /**
   * Return non-proxiable values unchanged instead of raising
   * {@link NonProxiableTypeError}. @defaultValue false
   */
  skipNonProxiable?: boolean | undefined;
  /**
   * Allow truthy strings, numbers and bigints, boxed behind the proxy. They
   * are refused by default because a boxed primitive has `typeof` 'object'
   * and is never `===` the primitive. Falsy primitives are always refused:
   * the proxy would be truthy. @defaultValue false
   */
  boxPrimitives?: boolean | undefined;
}

/**
 * Whether `store.proxy()` accepts a value. Objects and functions always;
 * truthy strings, numbers and bigints only with `boxPrimitives`.
 */
export function isProxiableValue(value: unknown, boxPrimitives = false): boolean {
  const type = typeof value;
  if (type === 'function') return true;
  if (type === 'object') return value !== null;
  if (!boxPrimitives) return false;
  return (type === 'string' || type === 'number' || type === 'bigint') && Boolean(value);
}

function checkExclusive(options: ProxyOptions): void {
  const extra = options as { lifetime?: unknown };
  if (options.evict === true && extra.lifetime !== undefined) {
    throw InvalidArgumentError.format(
      'evict',
      true,
      'the evict and lifetime options are mutually exclusive',
    );
  }
}

function makeProxy<T>(
  store: Store,
  key: ConnectorKey,
  obj: T,
  options: ProxyOptions,
): T {
  const factory = new StoreFactory<T>(key, store.config(), {
    evict: options.evict ?? false,
    deserializer: options.deserializer,
  });
  const kind = kindOf(obj);
  const populate = options.populateTarget ?? store.populateTarget;
  return populate
    ? createProxy(factory, { kind, target: obj })
    : createProxy(factory, { kind });
}

export async function proxyOf<T>(store: Store, obj: T, options: ProxyOptions): Promise<T> {
  checkExclusive(options);
  if (!isProxiableValue(obj, options.boxPrimitives)) {
    if (options.skipNonProxiable === true) return obj;
    throw new NonProxiableTypeError(obj);
  }

  const key = await store.put(obj, { serializer: options.serializer });
  return makeProxy(store, key, obj, options);
}

export async function proxyBatchOf<T>(
  store: Store,
  objs: readonly T[],
  options: ProxyOptions,
): Promise<T[]> {
  checkExclusive(options);
  if (!Array.isArray(objs)) {
    throw InvalidArgumentError.format('objs', objs, 'proxyBatch() takes an array');
  }

  const out: T[] = [...objs];
  const indices: number[] = [];
  objs.forEach((obj, i) => {
    if (isProxiableValue(obj, options.boxPrimitives)) indices.push(i);
    else if (options.skipNonProxiable !== true) throw new NonProxiableTypeError(obj);
  });

  const picked = indices.map((i) => objs[i] as T);
  const keys = await store.putBatch(picked, { serializer: options.serializer });
  keys.forEach((key, j) => {
    const i = indices[j] as number;
    out[i] = makeProxy(store, key, objs[i] as T, options);
  });
  return out;
}

export function proxyFromKeyOf<T>(
  store: Store,
  key: ConnectorKey,
  options: ProxyFromKeyOptions,
): T {
  keyString(key); // checks the key's shape now, not at the first access
  const factory = new StoreFactory<T>(key, store.config(), {
    evict: options.evict ?? false,
    deserializer: options.deserializer,
  });
  return createProxy(factory, options.kind === undefined ? {} : { kind: options.kind });
}
