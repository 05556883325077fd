/**
 * ProxyStore for TypeScript: pass large objects by reference.
 *
 * The root module holds the proxy, serialization, the Store with its registry,
 * and the stores that need no extra packages (LocalStore, FileStore). Other
 * backends live behind subpaths: `proxystore/redis`, `proxystore/endpoint`,
 * `proxystore/dim`, `proxystore/globus`.
 */
import './connectors/builtin-kinds.js';

export * from './errors.js';

export {
  createProxy,
  extract,
  getFactory,
  getProxyKind,
  isLockerReference,
  isProxiable,
  isProxy,
  isProxyReference,
  isResolved,
  kindOf,
  ProxyLocker,
  referenceOf,
  resolve,
  resolveAsync,
  SimpleFactory,
  type CreateProxyOptions,
  type Factory,
  type FactoryReference,
  type LockerReference,
  type ProxyKind,
  type ProxyReference,
} from './proxy/index.js';

export {
  codecName,
  deserialize,
  deserializeWith,
  fromReference,
  getCodec,
  postMessageWithProxies,
  proxiesToReferences,
  registerCodec,
  registerFactoryType,
  reviveProxies,
  serialize,
  serializeWith,
  type Codec,
  type Deserializer,
  type MessageTarget,
  type Serializer,
} from './serialize/index.js';

export type {
  CloseOptions,
  Connector,
  ConnectorConfig,
  ConnectorKey,
  DeferrableConnector,
} from './connectors/connector.js';
export { isDeferrable } from './connectors/connector.js';
export { registerConnectorKind } from './connectors/kinds.js';
export {
  LocalConnector,
  type LocalConnectorOptions,
  type LocalKey,
} from './connectors/local-connector.js';
export {
  FileConnector,
  type FileConnectorOptions,
  type FileKey,
} from './connectors/file-connector.js';

export { Store, type GetOptions, type PutOptions } from './store/store.js';
export type { StoreConfig, StoreOptions } from './store/config.js';
export type { ProxyFromKeyOptions, ProxyOptions } from './store/store-proxies.js';
export { StoreFactory, type StoreFactoryOptions } from './store/store-factory.js';
export { StoreMetrics, type KeyMetrics, type TimeStats } from './store/metrics.js';
export { LRUCache } from './store/cache.js';
export {
  getOrCreateStore,
  registerStore,
  unregisterStore,
} from './store/registry.js';
export { getStore } from './store/get-store.js';
export { LocalStore, type LocalStoreOptions } from './store/local-store.js';
export { FileStore, type FileStoreOptions } from './store/file-store.js';
