/**
 * `proxystore/dim`: distributed in-memory stores. Each process keeps the
 * objects it puts in its own memory, served by a server it starts on first
 * use; any other process fetches them from it directly.
 *
 * Importing this module registers the `websocket` connector kind.
 */
export { WebsocketConnector } from './websocket-connector.js';
export { WebsocketStore } from './websocket-store.js';
export type { WebsocketStoreOptions } from './websocket-store.js';
export type { WebsocketConnectorOptions } from './websocket-config.js';
export type { DimKey, DimKind } from './dim-key.js';
export {
  DimConnectorError,
  DimFrameError,
  DimPeerUnavailableError,
  DimTimeoutError,
} from '../errors.js';
