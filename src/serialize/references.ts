import { InvalidArgumentError, SerializationError } from '../errors.js';
import type { Factory, FactoryReference } from '../proxy/factory.js';
import { ProxyLocker } from '../proxy/locker.js';
import { createProxy, isProxy } from '../proxy/proxy.js';
import {
  isProxyReference,
  referenceOf,
  type ProxyReference,
} from '../proxy/reference.js';
import { messageOf } from './v8-codec.js';
import { DESCEND, LEAF, replaceDeep } from './walk.js';

/** Rebuilds a factory from its reference (see {@link registerFactoryType}). */
export type FactoryFromReference = (reference: FactoryReference) => Factory;

/**
 * The closed table of factory types. A reference read from the wire names an
 * entry of this table and nothing else: reviving it never imports a module
 * or evaluates code.
 */
const factoryTypes = new Map<string, FactoryFromReference>();

/**
 * Registers how to rebuild factories of one type from their references. The
 * store registers `'store'` when it loads; applications register their own
 * factory types in every process that revives their proxies.
 *
 * @param type - the `type` field of the references, for example `'store'`.
 * @param fromReference - builds the factory; it must not do I/O.
 * @throws {@link InvalidArgumentError} when `type` is empty, or already
 * registered with another function.
 */
export function registerFactoryType(
  type: string,
  fromReference: FactoryFromReference,
): void {
  if (typeof type !== 'string' || type.length === 0) {
    throw InvalidArgumentError.format(
      'type',
      type,
      'a factory type is a non-empty string',
    );
  }

  const current = factoryTypes.get(type);
  if (current !== undefined && current !== fromReference) {
    throw InvalidArgumentError.format(
      'type',
      type,
      'this factory type is already registered with another function; ' +
        'register each type once per process',
    );
  }

  factoryTypes.set(type, fromReference);
}

/** Whether a factory type is registered in this process. */
export function isFactoryTypeRegistered(type: string): boolean {
  return factoryTypes.has(type);
}

/**
 * Rebuilds a factory from its reference through the factory-type table.
 *
 * @throws {@link SerializationError} when the type is not registered or its
 * function fails.
 */
export function factoryFromReference(reference: FactoryReference): Factory {
  const type = reference.type;
  const build = factoryTypes.get(type);
  if (build === undefined) {
    const known = [...factoryTypes.keys()].map((t) => `'${t}'`).join(', ');
    throw new SerializationError(
      `Unknown factory type '${String(type)}' in a proxy reference ` +
        `(registered: ${known || 'none'}). Call registerFactoryType() for ` +
        'it in this process before reviving proxies (importing proxystore ' +
        "registers 'store').",
    );
  }

  try {
    return build(reference);
  } catch (error) {
    throw new SerializationError(
      `Cannot rebuild a factory of type '${type}' from its reference: ` +
        messageOf(error),
      { cause: error },
    );
  }
}

/**
 * Builds a proxy from a reference, with a shell of the recorded kind. Does no
 * I/O: the proxy fetches its target on first use.
 *
 * @throws {@link SerializationError} when `reference` is not a valid proxy
 * reference or names an unknown factory type.
 */
export function fromReference<T = unknown>(reference: ProxyReference): T {
  if (!isProxyReference(reference)) {
    throw new SerializationError(
      'Expected a proxy reference ({ $proxystore: "proxy", v: 1, kind, ' +
        'factory }) but got a value of another shape.',
    );
  }

  const factory = factoryFromReference(reference.factory);
  return createProxy(factory as Factory<T>, { kind: reference.kind });
}

/**
 * Returns `value` with every proxy replaced by its reference and every
 * {@link ProxyLocker} by a `LockerReference`: plain JSON-safe objects
 * that structured clone, `v8` and JSON can carry. Containers on the way are
 * copied; data holding no proxy comes back unchanged, not copied. No proxy is
 * resolved.
 *
 * @throws {@link SerializationError} when a proxy's factory has no reference.
 */
export function proxiesToReferences(value: unknown): unknown {
  return replaceProxies(value);
}

/**
 * {@link proxiesToReferences}, also collecting the reference objects it put
 * in (each once) into `markers`.
 */
export function replaceProxies(value: unknown, markers?: object[]): unknown {
  return replaceDeep(value, (item) => {
    let reference: object;
    if (isProxy(item)) reference = referenceOf(item);
    else if (item instanceof ProxyLocker) reference = item.toJSON();
    else return DESCEND;

    markers?.push(reference);
    return reference;
  });
}

/**
 * Turns references back into proxies (and locker references into lockers).
 *
 * - `reviveProxies(value)` walks `value` deeply and returns it with every
 *   reference revived; containers on the way are copied, the rest is kept.
 * - As a `JSON.parse` reviver, `JSON.parse(text, reviveProxies)`, it is
 *   called with `(key, value)` and revives that one value.
 *
 * @remarks Any plain object of the reference shape is revived, so data that
 * merely looks like a reference becomes a proxy. Reviving consults only the
 * closed factory-type table and does no I/O. Resolving a revived store proxy
 * then trusts the store config in its reference: when no store of that name
 * is registered here, it builds one from the config (a FileStore creates
 * the directory named there, a RedisStore connects to the host named there)
 * and registers it under that name, for every later proxy of that name.
 * Revive references only from parties you trust with your store configs.
 * @throws {@link SerializationError} when a reference names an unknown
 * factory type.
 */
export function reviveProxies(value: unknown): unknown;
export function reviveProxies(key: string, value: unknown): unknown;
export function reviveProxies(...args: unknown[]): unknown {
  if (args.length >= 2 && typeof args[0] === 'string') {
    return reviveOne(args[1]);
  }

  return replaceDeep(args[0], (item) => {
    if (isProxy(item) || item instanceof ProxyLocker) return LEAF;
    const revived = reviveOne(item);
    return revived === item ? DESCEND : revived;
  });
}

/** Revives one value if it is a proxy or locker reference. */
export function reviveOne(value: unknown): unknown {
  if (typeof value !== 'object' || value === null || isProxy(value)) {
    return value;
  }
  if (value instanceof ProxyLocker) return value;

  if (isProxyReference(value)) return fromReference(value);

  // A locker reference has exactly two keys; data with more is left alone.
  const { $proxystore: tag, proxy } = value as Record<string, unknown>;
  if (tag !== 'locker' || Object.keys(value).length !== 2) return value;
  if (isProxy(proxy)) return new ProxyLocker(proxy);
  if (isProxyReference(proxy)) return new ProxyLocker(fromReference(proxy));
  return value;
}
