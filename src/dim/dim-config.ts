import { InvalidArgumentError } from '../errors.js';
import type { JsonObject } from '../utils/json.js';
import type { DimAddressOptions } from './dim-address.js';

/**
 * Options every DIM connector takes; each transport documents how it
 * reads `timeoutMs` and which `chunkSize` it allows.
 */
export interface DimConnectorOptions extends DimAddressOptions {
  /**
   * Port of this process's server; 0 picks a free port. With a fixed port,
   * a server already answering there (for example another process's on
   * this host) is used instead of starting one.
   * @defaultValue 0
   */
  port?: number | undefined;
  /**
   * How long a request may take, in ms, before it fails with
   * `DimTimeoutError`; also bounds the ping to an existing server.
   * @defaultValue 5000
   */
  timeoutMs?: number | undefined;
  /**
   * Largest object, in bytes, this process's server accepts and its
   * clients accept in an answer.
   * @defaultValue 1 GiB
   */
  maxMessageSize?: number | undefined;
  /** Objects travel in pieces of at most this many bytes. */
  chunkSize?: number | undefined;
}

/** The validated, complete options, as `config()` stores them. */
export interface ResolvedDimOptions extends DimTransportSettings {
  readonly address: string | undefined;
  readonly interface: string | undefined;
  readonly port: number;
}

/** What the client and server sides of a transport need of the options. */
export interface DimTransportSettings {
  /** Time limit of a request, in ms (each transport says how it counts). */
  readonly timeoutMs: number;
  /** Largest object accepted, in bytes. */
  readonly maxMessageSize: number;
  /** Largest chunk sent, in bytes. */
  readonly chunkSize: number;
}

/** Where and how a DIM server of this process listens. */
export interface DimServerSettings {
  /** The host it listens on, as written into keys. */
  readonly host: string;
  /** Port to bind; 0 picks a free one. */
  readonly port: number;
  /** Largest request (object) accepted, in bytes. */
  readonly maxMessageSize: number;
  /** Largest chunk payload sent, in bytes. */
  readonly chunkSize: number;
}

/** The chunk sizes a transport allows, and its default. */
export interface DimChunkLimits {
  readonly defaultSize: number;
  readonly min: number;
  /** Largest chunk; unbounded (but a safe integer) when absent. */
  readonly max?: number | undefined;
}

/** Fresh defaults of {@link DimConnectorOptions} for one transport. */
export function defaultDimOptions(chunk: DimChunkLimits): ResolvedDimOptions {
  return {
    address: undefined,
    interface: undefined,
    port: 0,
    timeoutMs: 5_000,
    maxMessageSize: 1024 ** 3,
    chunkSize: chunk.defaultSize,
  };
}

/**
 * Merges options over the defaults and checks them.
 *
 * @throws {@link InvalidArgumentError} naming the first bad option.
 */
export function resolveDimOptions(
  options: DimConnectorOptions,
  chunk: DimChunkLimits,
): ResolvedDimOptions {
  const defaults = defaultDimOptions(chunk);
  const resolved: ResolvedDimOptions = Object.freeze({
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
  checkChunkSize(chunkSize, chunk);
  return resolved;
}

/** The JSON-safe form of resolved options (absent fields left out). */
export function dimOptionsToJson(options: ResolvedDimOptions): JsonObject {
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
export function dimOptionsFromJson(json: JsonObject): DimConnectorOptions {
  return {
    address: optionalString('address', json['address']),
    interface: optionalString('interface', json['interface']),
    port: optionalNumber('port', json['port']),
    timeoutMs: optionalNumber('timeoutMs', json['timeoutMs']),
    maxMessageSize: optionalNumber('maxMessageSize', json['maxMessageSize']),
    chunkSize: optionalNumber('chunkSize', json['chunkSize']),
  };
}

/**
 * Splits a DIM store's options into its connector's and the store's own.
 * The connector's part names every option, `undefined` where not given.
 */
export function splitDimOptions<T extends DimConnectorOptions>(
  options: T,
): { connector: DimConnectorOptions; store: Omit<T, keyof DimConnectorOptions> } {
  const {
    address,
    interface: nic,
    port,
    timeoutMs,
    maxMessageSize,
    chunkSize,
    ...store
  } = options;
  const connector = { address, interface: nic, port, timeoutMs, maxMessageSize, chunkSize };
  return { connector, store };
}

function checkChunkSize(chunkSize: number, chunk: DimChunkLimits): void {
  const { min, max } = chunk;
  const tooLarge = max !== undefined && chunkSize > max;
  if (Number.isSafeInteger(chunkSize) && chunkSize >= min && !tooLarge) return;

  const range = max === undefined ? `, at least ${min}` : ` from ${min} to ${max}`;
  throw InvalidArgumentError.format(
    'chunkSize',
    chunkSize,
    `expected a whole number of bytes${range}`,
  );
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
