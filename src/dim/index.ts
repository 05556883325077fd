/**
 * `proxystore/dim`: distributed in-memory stores. Each process keeps the
 * objects it puts in its own memory, served by a server it starts on first
 * use; any other process fetches them from it directly.
 *
 * Importing this module registers the `websocket` and `ucx` connector kinds
 * (the UCX addon itself loads only when a UCXConnector is built).
 */
export { WebsocketConnector } from './websocket-connector.js';
export { WebsocketStore } from './websocket-store.js';
export type { WebsocketStoreOptions } from './websocket-store.js';
export type { WebsocketConnectorOptions } from './websocket-config.js';
export { UCXConnector } from './ucx-connector.js';
export { UCXStore } from './ucx-store.js';
export type { UCXStoreOptions } from './ucx-store.js';
export type { UCXConnectorOptions } from './ucx-config.js';
export { isUcxAvailable } from './ucx-binding.js';
export type { DimKey, DimKind } from './dim-key.js';
export {
  DimConnectorError,
  DimFrameError,
  DimPeerUnavailableError,
  DimTimeoutError,
  UcxUnavailableError,
} from '../errors.js';
