import { inspect } from 'node:util';

import { ProxyStoreError, SerializationError } from '../errors.js';
import {
  isProxyReference,
  referenceOf,
  type ProxyReference,
} from './reference.js';
import { stateOf } from './state.js';

/** A {@link ProxyLocker} as it travels: the locked proxy's reference. */
export interface LockerReference {
  $proxystore: 'locker';
  proxy: ProxyReference;
}

function lockedGetter(): never {
  throw new ProxyStoreError(LOCKED_MESSAGE);
}

const LOCKED_MESSAGE =
  'A ProxyLocker does not expose its proxy as a property, so that code which ' +
  'inspects objects cannot resolve it by accident. Call locker.unlock() to ' +
  'get the proxy.';

/**
 * Holds a proxy so that nothing resolves it by accident: code that walks or
 * inspects objects sees only the locker. `unlock()` returns the proxy.
 *
 * A locker survives serialization: `JSON.stringify(locker)` gives a
 * {@link LockerReference} (`{ $proxystore: 'locker', proxy: <reference> }`),
 * which the serialize helpers revive as a locker again.
 *
 * @remarks The locker's own `proxy` property is an enumerable accessor that
 * throws, so that structured clone and `v8` refuse a locker instead of
 * writing it as `{}`. Code that copies own properties therefore throws the
 * same {@link ProxyStoreError}: `{ ...locker }`, `Object.assign`,
 * `Object.entries`, `structuredClone`, `assert.deepStrictEqual`. Pass the
 * locker itself; send it with `JSON.stringify`, `serialize()` or
 * `postMessageWithProxies()`.
 *
 * @example
 * ```ts
 * const locker = new ProxyLocker(await store.proxy(bigArray));
 * queue.add('job', { data: locker }); // the array is never fetched here
 * const p = locker.unlock();
 * ```
 */
export class ProxyLocker<T> {
  readonly #proxy: T;

  /**
   * @param proxy - the proxy to hold. Any other value is held too (a store
   * passes non-proxiable values through), but such a locker cannot be
   * serialized by reference.
   */
  constructor(proxy: T) {
    this.#proxy = proxy;
    // An own enumerable accessor (not only the class getter) so that
    // structured clone and v8, which read own properties, fail on a locker
    // instead of writing it as `{}`; the serializer then writes it as a
    // locker reference.
    Object.defineProperty(this, 'proxy', {
      get: lockedGetter,
      enumerable: true,
      configurable: false,
    });
  }

  /** Returns the held proxy (does not resolve it). */
  unlock(): T {
    return this.#proxy;
  }

  /**
   * Not readable: throws a {@link ProxyStoreError} telling to call
   * {@link ProxyLocker.unlock}.
   */
  get proxy(): never {
    throw new ProxyStoreError(LOCKED_MESSAGE);
  }

  /** Not readable, as {@link ProxyLocker.proxy} (upstream's attribute name). */
  get _proxy(): never {
    throw new ProxyStoreError(LOCKED_MESSAGE);
  }

  /**
   * The locker's reference, for `JSON.stringify`.
   *
   * @throws {@link SerializationError} when the held value is not a proxy
   * or its factory has no reference.
   */
  toJSON(): LockerReference {
    if (stateOf(this.#proxy) === undefined) {
      throw new SerializationError(
        'Cannot serialize a ProxyLocker that holds a value which is not a ' +
          'proxy: only proxies travel by reference. Send the value itself.',
      );
    }

    return { $proxystore: 'locker', proxy: referenceOf(this.#proxy) };
  }

  /** Shows the locker without touching the proxy. */
  [inspect.custom](): string {
    const state = stateOf(this.#proxy);
    return state === undefined
      ? 'ProxyLocker<value>'
      : `ProxyLocker<kind=${state.kind} factory=${state.factoryName}>`;
  }
}

/**
 * Whether a value has exactly the shape of a {@link LockerReference}: a plain
 * object with only `$proxystore: 'locker'` and a valid proxy reference.
 */
export function isLockerReference(value: unknown): value is LockerReference {
  if (typeof value !== 'object' || value === null) return false;
  if (stateOf(value) !== undefined || Array.isArray(value)) return false;

  const proto: unknown = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return false;

  const record = value as Record<string, unknown>;
  const keys = Object.keys(record);
  return (
    keys.length === 2 &&
    record['$proxystore'] === 'locker' &&
    isProxyReference(record['proxy'])
  );
}
