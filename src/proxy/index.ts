/**
 * The transparent lazy proxy: a value that stands for a target and fetches it
 * through its factory on first use. See `createProxy()`.
 */
export {
  isFactory,
  SimpleFactory,
  type Factory,
  type FactoryReference,
} from './factory.js';
export {
  DEFAULT_PROXY_KIND,
  isProxyKind,
  kindOf,
  PROXY_KINDS,
  TYPED_ARRAY_KINDS,
  type ProxyKind,
  type TypedArrayKind,
} from './kind.js';
export {
  isLockerReference,
  ProxyLocker,
  type LockerReference,
} from './locker.js';
export {
  createProxy,
  extract,
  getFactory,
  getProxyKind,
  isProxiable,
  isProxy,
  isResolved,
  resolve,
  resolveAsync,
  unresolveProxy,
  type CreateProxyOptions,
} from './proxy.js';
export {
  isProxyReference,
  referenceOf,
  type ProxyReference,
} from './reference.js';
