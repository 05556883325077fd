/**
 * Peering between endpoints: the relay server and client, and the peer
 * manager that carries store requests over WebRTC. Importing this module
 * loads neither `ws` nor `node-datachannel`; they load on first use.
 */
export type { BackoffOptions } from './backoff.js';
export {
  PeerManager,
  type PeerManagerOptions,
  type PeerRequest,
  type PeerRequestHandler,
  type PeerResponse,
} from './peer-manager.js';
export {
  RelayClient,
  type RelayClientEvents,
  type RelayClientOptions,
  type RelayClientState,
} from './relay-client.js';
export { FATAL_CLOSE_CODES, RelayCloseCode } from './relay-protocol.js';
export {
  DEFAULT_MAX_MESSAGE_BYTES,
  DEFAULT_RELAY_PORT,
  RelayServer,
  type RelayServerOptions,
  type RelayServerStats,
} from './relay-server.js';
