import type { DimChunkLimits, DimConnectorOptions } from './dim-config.js';
import { MAX_CHUNK_SIZE } from './ws-module.js';

/**
 * Default chunk size of the WebSocket transport: 4 MiB, so objects up to a
 * few MiB travel as one chunk and are received without a reassembly copy,
 * while larger ones are still pipelined chunk by chunk.
 */
export const DEFAULT_WEBSOCKET_CHUNK_SIZE = 4 * 1024 * 1024;

/** The chunk sizes WebsocketConnector allows. */
export const WEBSOCKET_CHUNK_LIMITS: DimChunkLimits = {
  defaultSize: DEFAULT_WEBSOCKET_CHUNK_SIZE,
  min: 1,
  max: MAX_CHUNK_SIZE,
};

/** Options of {@link WebsocketConnector} (and of `WebsocketStore`). */
export interface WebsocketConnectorOptions extends DimConnectorOptions {
  /**
   * How long a request may go without progress (nothing received, nothing
   * more sent) before it fails with `DimTimeoutError`; also bounds the
   * connection handshake and the ping to an existing server.
   * @defaultValue 5000
   */
  timeoutMs?: number | undefined;
  /**
   * Largest WebSocket message payload sent: objects travel in chunks of
   * this size. At most 16 MiB (the sockets' `maxPayload`).
   * @defaultValue 4 MiB
   */
  chunkSize?: number | undefined;
}
