import type { AddressInfo } from 'node:net';

import type WebSocket from 'ws';
import type { WebSocketServer } from 'ws';

import { DimFrameError } from '../errors.js';
import { logger } from '../utils/debug.js';
import { ChunkReader, Reassembler, chunkToMessages, splitMessage } from './chunking.js';
import type { IncomingChunk } from './chunking.js';
import type { DimServerSettings } from './dim-config.js';
import { REQUEST_ENVELOPE_BYTES, decodeRequest, encodeResponse } from './protocol.js';
import type { DimRequest, DimResponse } from './protocol.js';
import { loadWs, serverSocketOptions } from './ws-module.js';

const log = logger('dim:websocket:server');

/** Close code for a connection whose bytes broke the framing (RFC 6455). */
const CLOSE_PROTOCOL_ERROR = 1002;
/** Close code for a text message, which the protocol never uses. */
const CLOSE_UNSUPPORTED_DATA = 1003;

/** The objects a DIM server holds, by object id. */
export type ObjectTable = Map<string, Uint8Array>;

/** A listening server. */
export interface RunningWebsocketServer {
  /** The bound port. */
  readonly port: number;
  /** Closes every connection and the listening socket. */
  close(): Promise<void>;
}

/**
 * Starts a WebSocket DIM server over `objects`. It answers get, put,
 * exists, evict and ping requests on any number of connections; a
 * malformed or oversized request fails alone (with an error answer), and a
 * connection whose bytes break the framing is closed alone. The server
 * itself never stops on a peer's error.
 *
 * Runs on whatever thread calls it: the connectors run it in a worker
 * thread, so a thread blocked in a synchronous resolve can still be served.
 */
export async function startWebsocketServer(
  settings: DimServerSettings,
  objects: ObjectTable,
): Promise<RunningWebsocketServer> {
  const { WebSocketServer } = await loadWs(`${settings.host}:${settings.port}`);
  const server = new WebSocketServer(serverSocketOptions(settings.host, settings.port));

  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  server.on('error', (error: Error) => log('server error: %s', error.message));
  server.on('connection', (socket: WebSocket) => serve(socket, settings, objects));

  const port = (server.address() as AddressInfo).port;
  log('listening on %s:%d', settings.host, port);
  return { port, close: () => closeServer(server) };
}

function serve(socket: WebSocket, settings: DimServerSettings, objects: ObjectTable): void {
  const reader = new ChunkReader();
  const reassembler = new Reassembler({
    // The limit is on objects; a message also carries its header and id.
    maxMessageSize: settings.maxMessageSize + REQUEST_ENVELOPE_BYTES,
  });

  socket.on('error', (error: Error) => log('connection error: %s', error.message));
  socket.on('message', (data: Buffer, isBinary: boolean) => {
    if (!isBinary) {
      socket.close(CLOSE_UNSUPPORTED_DATA, 'DIM peers speak binary messages only');
      return;
    }

    let chunk: IncomingChunk | undefined;
    try {
      chunk = reader.push(data);
    } catch (error) {
      log('closing a connection: %s', (error as Error).message);
      socket.close(CLOSE_PROTOCOL_ERROR, 'malformed DIM chunk');
      return;
    }
    if (chunk === undefined) return;

    const id = chunk.header.messageId;
    let response: DimResponse | undefined;
    try {
      const parts = reassembler.push(chunk);
      if (parts === undefined) return;
      response = answer(decodeRequest(parts), objects, settings.maxMessageSize);
    } catch (error) {
      // A bad request fails alone; whatever went wrong, the server goes on.
      const message = (error as Error).message;
      log('refusing message %d: %s', id, message);
      response = {
        status: 'error',
        message: error instanceof DimFrameError ? message : `Server error: ${message}`,
      };
    }
    send(socket, id, response, settings.chunkSize);
  });
}

function answer(
  request: DimRequest,
  objects: ObjectTable,
  maxObjectSize: number,
): DimResponse {
  switch (request.op) {
    case 'get': {
      const data = objects.get(request.id);
      return data === undefined ? { status: 'missing' } : { status: 'ok', data };
    }
    case 'put': {
      const size = request.data?.byteLength ?? 0;
      if (size > maxObjectSize) {
        return {
          status: 'error',
          message:
            `An object of ${size} bytes is larger than this server's ` +
            `maxMessageSize (${maxObjectSize} bytes); raise maxMessageSize on every peer.`,
        };
      }
      objects.set(request.id, ownBytes(request.data ?? new Uint8Array(0)));
      return { status: 'ok' };
    }
    case 'exists':
      return { status: 'exists', exists: objects.has(request.id) };
    case 'evict':
      objects.delete(request.id);
      return { status: 'ok' };
    case 'ping':
      return { status: 'ok' };
  }
}

/**
 * Bytes to keep: a view over a much larger received buffer is copied, so a
 * small object does not pin a whole socket read buffer.
 */
export function ownBytes(data: Uint8Array): Uint8Array {
  if (data.byteLength * 2 >= data.buffer.byteLength) return data;
  return new Uint8Array(data);
}

// TODO(dim): an answer is queued whole, so a large answer delays smaller
// ones behind it on the same connection; interleave chunks across answers
// if that latency matters.
function send(socket: WebSocket, id: number, response: DimResponse, chunkSize: number): void {
  if (socket.readyState !== socket.OPEN) return;
  for (const chunk of splitMessage(id, encodeResponse(response), chunkSize)) {
    for (const message of chunkToMessages(chunk)) socket.send(message, { binary: true });
  }
}

async function closeServer(server: WebSocketServer): Promise<void> {
  for (const client of server.clients) client.terminate();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  log('closed');
}
