import { InvalidArgumentError } from '../errors.js';
import type { JsonObject } from '../utils/json.js';
import type { DimAddressOptions } from './dim-address.js';
import { MAX_CHUNK_SIZE } from './ws-module.js';

/**
 * Default chunk size of the WebSocket transport: 4 MiB, so objects up to a
 * few MiB travel as one chunk and are received without a reassembly copy,
 * while larger ones are still pipelined chunk by chunk.
 */
export const DEFAULT_WEBSOCKET_CHUNK_SIZE = 4 * 1024 * 1024;

/** Options of {@link WebsocketConnector} (and of `WebsocketStore`). */
export interface WebsocketConnectorOptions extends DimAddressOptions {
  /**
   * Port of this process's server; 0 picks a free port. With a fixed port,
   * a server already answering there (for example another process's on
   * this host) is used instead of starting one.
   * @defaultValue 0
   */
  port?: number | undefined;
  /**
   * How long a request may go without progress (nothing received, nothing
   * more sent) before it fails with `DimTimeoutError`; also bounds the
   * connection handshake and the ping to an existing server.
   * @defaultValue 5000
   */
  timeoutMs?: number | undefined;
  /**
   * Largest object, in bytes, this process's server accepts and its
   * clients accept in an answer.
   * @defaultValue 1 GiB
   */
  maxMessageSize?: number | undefined;
  /**
   * Largest WebSocket message payload sent: objects travel in chunks of
   * this size. At most 16 MiB (the sockets' `maxPayload`).
   * @defaultValue 4 MiB
   */
  chunkSize?: number | undefined;
}

/** The validated, complete options, as `config()` stores them. */
export interface ResolvedWebsocketOptions {
  readonly address: string | undefined;
  readonly interface: string | undefined;
  readonly port: number;
  readonly timeoutMs: number;
  readonly maxMessageSize: number;
  readonly chunkSize: number;
}

/** Fresh defaults of {@link WebsocketConnectorOptions}. */
export function defaultWebsocketOptions(): ResolvedWebsocketOptions {
  return {
    address: undefined,
    interface: undefined,
    port: 0,
    timeoutMs: 5_000,
    maxMessageSize: 1024 ** 3,
    chunkSize: DEFAULT_WEBSOCKET_CHUNK_SIZE,
  };
}

/** Merges options over the defaults and checks them. */
export function resolveWebsocketOptions(
  options: WebsocketConnectorOptions,
): ResolvedWebsocketOptions {
  const defaults = defaultWebsocketOptions();
  const resolved: ResolvedWebsocketOptions = Object.freeze({
    address: optionalString('address', options.address),
    interface: optionalString('interface', options.interface),
    port: options.port ?? defaults.port,
    timeoutMs: options.timeoutMs ?? defaults.timeoutMs,
    maxMessageSize: options.maxMessageSize ?? defaults.maxMessageSize,
    chunkSize: options.chunkSize ?? defaults.chunkSize,
  });

  const { port, timeoutMs, maxMessageSize, chunkSize } = resolved;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw InvalidArgumentError.format('port', port, 'expected an integer from 0 to 65535');
  }
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) {
    throw InvalidArgumentError.format('timeoutMs', timeoutMs, 'expected a positive number of ms');
  }
  if (!Number.isSafeInteger(maxMessageSize) || maxMessageSize <= 0) {
    throw InvalidArgumentError.format(
      'maxMessageSize',
      maxMessageSize,
      'expected a positive whole number of bytes',
    );
  }
  if (!Number.isInteger(chunkSize) || chunkSize < 1 || chunkSize > MAX_CHUNK_SIZE) {
    throw InvalidArgumentError.format(
      'chunkSize',
      chunkSize,
      `expected a whole number of bytes from 1 to ${MAX_CHUNK_SIZE}`,
    );
  }
  return resolved;
}

/** The JSON-safe form of resolved options (absent fields left out). */
export function websocketOptionsToJson(options: ResolvedWebsocketOptions): JsonObject {
  const json: JsonObject = {
    port: options.port,
    timeoutMs: options.timeoutMs,
    maxMessageSize: options.maxMessageSize,
    chunkSize: options.chunkSize,
  };
  if (options.address !== undefined) json['address'] = options.address;
  if (options.interface !== undefined) json['interface'] = options.interface;
  return json;
}

/** Reads options back from `config().options`, rejecting wrong types. */
export function websocketOptionsFromJson(json: JsonObject): WebsocketConnectorOptions {
  return {
    address: optionalString('address', json['address']),
    interface: optionalString('interface', json['interface']),
    port: optionalNumber('port', json['port']),
    timeoutMs: optionalNumber('timeoutMs', json['timeoutMs']),
    maxMessageSize: optionalNumber('maxMessageSize', json['maxMessageSize']),
    chunkSize: optionalNumber('chunkSize', json['chunkSize']),
  };
}

function optionalString(name: string, value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') {
    throw InvalidArgumentError.format(name, value, 'expected a string');
  }
  return value;
}

function optionalNumber(name: string, value: unknown): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number') {
    throw InvalidArgumentError.format(name, value, 'expected a number');
  }
  return value;
}
