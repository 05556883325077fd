import { InvalidArgumentError } from '../errors.js';
import type { JsonObject } from '../utils/json.js';
import type { DimAddressOptions } from './dim-address.js';

/** Smallest chunk the wire protocol allows (native/ucx/src/wire.h). */
export const MIN_UCX_CHUNK_SIZE = 4096;

/** Default chunk size: large, since UCX fragments each chunk itself. */
export const DEFAULT_UCX_CHUNK_SIZE = 16 * 1024 * 1024;

/** Options of {@link UCXConnector} (and of `UCXStore`). */
export interface UCXConnectorOptions extends DimAddressOptions {
  /**
   * Port of this process's server; 0 picks a free port. With a fixed port,
   * a server already answering there (another process's on this host) is
   * used instead of starting one.
   * @defaultValue 0
   */
  port?: number | undefined;
  /**
   * How long a request may take, in ms, plus one second per 50 MB of the
   * object; then it fails with `DimTimeoutError`. Also bounds the ping that
   * looks for an existing server.
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
   * Objects travel as UCX active messages of at most this many bytes, each
   * tagged with its message id and index. At least 4096.
   * @defaultValue 16 MiB
   */
  chunkSize?: number | undefined;
}

/** The validated, complete options, as `config()` stores them. */
export interface ResolvedUCXOptions {
  readonly address: string | undefined;
  readonly interface: string | undefined;
  readonly port: number;
  readonly timeoutMs: number;
  readonly maxMessageSize: number;
  readonly chunkSize: number;
}

/** Fresh defaults of {@link UCXConnectorOptions}. */
export function defaultUCXOptions(): ResolvedUCXOptions {
  return {
    address: undefined,
    interface: undefined,
    port: 0,
    timeoutMs: 5_000,
    maxMessageSize: 1024 ** 3,
    chunkSize: DEFAULT_UCX_CHUNK_SIZE,
  };
}

/** Merges options over the defaults and checks them. */
export function resolveUCXOptions(options: UCXConnectorOptions): ResolvedUCXOptions {
  const defaults = defaultUCXOptions();
  const resolved: ResolvedUCXOptions = Object.freeze({
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
    throw InvalidArgumentError.format(
      'timeoutMs',
      timeoutMs,
      'expected a positive number of ms',
    );
  }
  if (!Number.isSafeInteger(maxMessageSize) || maxMessageSize <= 0) {
    throw InvalidArgumentError.format(
      'maxMessageSize',
      maxMessageSize,
      'expected a positive whole number of bytes',
    );
  }
  if (!Number.isSafeInteger(chunkSize) || chunkSize < MIN_UCX_CHUNK_SIZE) {
    throw InvalidArgumentError.format(
      'chunkSize',
      chunkSize,
      `expected a whole number of bytes, at least ${MIN_UCX_CHUNK_SIZE}`,
    );
  }
  return resolved;
}

/** The JSON-safe form of resolved options (absent fields left out). */
export function ucxOptionsToJson(options: ResolvedUCXOptions): JsonObject {
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
export function ucxOptionsFromJson(json: JsonObject): UCXConnectorOptions {
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
