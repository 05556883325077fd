import { InvalidArgumentError, SerializationError } from '../errors.js';
import type { JsonObject } from '../utils/json.js';
import type { FactoryReference } from './factory.js';
import { isProxyKind, type ProxyKind } from './kind.js';
import { stateOf } from './state.js';

/**
 * A proxy as it travels: its kind and its factory's reference, never its
 * target (as upstream pickles a proxy as its factory). `JSON.stringify` of a
 * proxy whose factory has `toReference()` gives this object, without
 * resolving the proxy.
 */
export interface ProxyReference extends JsonObject {
  $proxystore: 'proxy';
  /** Format version of the reference. */
  v: 1;
  /** Fixes the revived proxy's shell (`typeof`, `Array.isArray`, ...). */
  kind: ProxyKind;
  factory: FactoryReference;
}

const REFERENCE_KEYS = ['$proxystore', 'v', 'kind', 'factory'] as const;

/**
 * The reference of a proxy. Does no I/O and does not resolve the proxy.
 *
 * @param proxy - a proxy made by `createProxy()` or a store.
 * @throws {@link InvalidArgumentError} when `proxy` is not a proxy.
 * @throws {@link SerializationError} when its factory has no
 * `toReference()` (or that method fails).
 */
export function referenceOf(proxy: unknown): ProxyReference {
  const state = stateOf(proxy);
  if (state === undefined) {
    throw InvalidArgumentError.format(
      'proxy',
      proxy,
      'referenceOf() takes a proxy made by createProxy() or store.proxy()',
    );
  }

  const factory = state.factory;
  if (typeof factory.toReference !== 'function') {
    throw new SerializationError(
      `Cannot serialize a proxy of kind '${state.kind}' by reference: its ` +
        `factory (${state.factoryName}) has no toReference(). Make the proxy ` +
        'with a store (store.proxy()), or serialize extract(proxy) instead.',
    );
  }

  let reference: FactoryReference;
  try {
    reference = factory.toReference();
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new SerializationError(
      `Cannot serialize a proxy by reference: ${state.factoryName}` +
        `.toReference() threw: ${message}`,
      { cause: error },
    );
  }

  return { $proxystore: 'proxy', v: 1, kind: state.kind, factory: reference };
}

/**
 * Whether a value has exactly the shape of a {@link ProxyReference}: a plain
 * object with only the keys `$proxystore: 'proxy'`, `v: 1`, a known `kind`
 * and a `factory` object with a string `type`. Never true for a proxy (a
 * proxy is not its reference) and never resolves one.
 */
export function isProxyReference(value: unknown): value is ProxyReference {
  if (!isPlainRecord(value)) return false;

  const keys = Object.keys(value);
  if (keys.length !== REFERENCE_KEYS.length) return false;
  if (!REFERENCE_KEYS.every((k) => Object.hasOwn(value, k))) return false;

  const { $proxystore: tag, v, kind, factory } = value;
  if (tag !== 'proxy' || v !== 1 || !isProxyKind(kind)) return false;

  return isPlainRecord(factory) && typeof factory['type'] === 'string';
}

/** A plain (non-proxy, non-array) object, tested without any proxy trap. */
function isPlainRecord(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  if (stateOf(value) !== undefined || Array.isArray(value)) return false;

  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}
