/**
 * Loading `ws` (an optional peer dependency) on first use, and the socket
 * settings every DIM WebSocket shares.
 */
import { createRequire } from 'node:module';

import type { ClientOptions, ServerOptions } from 'ws';

import { DimConnectorError } from '../errors.js';
import { logger } from '../utils/debug.js';

const log = logger('dim:websocket');

export const INSTALL_WS_MESSAGE =
  'Install ws to use WebsocketStore: npm install ws (and bufferutil for speed)';

/**
 * Largest WebSocket message a DIM socket accepts (`maxPayload`): one chunk
 * of at most {@link MAX_CHUNK_SIZE} bytes, or a 40-byte chunk header.
 */
export const MAX_CHUNK_SIZE = 16 * 1024 * 1024;

const importWs = () => import('ws');
export type WsModule = Awaited<ReturnType<typeof importWs>>;

let loading: Promise<WsModule> | undefined;

/** Imports `ws` once; when it is missing, the error says what to install. */
export function loadWs(address: string): Promise<WsModule> {
  const pending =
    loading ??
    importWs().catch((error: unknown) => {
      loading = undefined;
      throw new DimConnectorError('websocket', address, `${INSTALL_WS_MESSAGE}.`, {
        cause: error,
      });
    });
  loading = pending;
  return pending;
}

let bufferUtil: boolean | undefined;

/**
 * Whether `ws` will find `bufferutil` (native masking). Without it, masking
 * each client frame in JavaScript costs several times the transfer itself.
 */
export function hasBufferUtil(): boolean {
  if (bufferUtil === undefined) {
    try {
      createRequire(import.meta.url).resolve('bufferutil');
      bufferUtil = process.env['WS_NO_BUFFER_UTIL'] === undefined;
    } catch {
      bufferUtil = false;
    }
    log('bufferutil %s', bufferUtil ? 'found' : 'not found');
  }
  return bufferUtil;
}

/** Fills a mask with zeros, which lets `ws` skip masking entirely. */
function zeroMask(mask: Uint8Array): void {
  mask.fill(0);
}

/**
 * Client socket options: no compression, bounded messages and handshake,
 * and, when `bufferutil` is missing, a zero mask so frames are not masked
 * in JavaScript (masking protects browsers' proxies, not server-to-server
 * traffic).
 */
export function clientSocketOptions(handshakeTimeoutMs: number): ClientOptions {
  return {
    perMessageDeflate: false,
    maxPayload: MAX_CHUNK_SIZE,
    handshakeTimeout: handshakeTimeoutMs,
    ...(hasBufferUtil() ? {} : { generateMask: zeroMask }),
  };
}

/** Server options: no compression, bounded messages, no client list. */
export function serverSocketOptions(host: string, port: number): ServerOptions {
  return {
    host,
    port,
    perMessageDeflate: false,
    maxPayload: MAX_CHUNK_SIZE,
    clientTracking: true,
  };
}
