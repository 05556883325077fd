/**
 * Every error this library raises on purpose derives from {@link ProxyStoreError}.
 * Each class sets a literal `name`, accepts `cause` and keeps its data in fields,
 * so callers can branch on `instanceof` or `err.name` and read the facts.
 */

import { describeValue } from './utils/describe-value.js';

/** Base class of all ProxyStore errors. */
export class ProxyStoreError extends Error {
  override readonly name: string = 'ProxyStoreError';

  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
  }
}

/** A bad argument or option: the message names it, the value, and what to do. */
export class InvalidArgumentError extends ProxyStoreError {
  override readonly name: string = 'InvalidArgumentError';
  readonly argument: string;

  constructor(argument: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.argument = argument;
  }

  /** Builds the shared message shape: `Invalid <argument> (<value>): <reason>.` */
  static format(
    argument: string,
    value: unknown,
    reason: string,
  ): InvalidArgumentError {
    const shown = describeValue(value);
    const end = reason.endsWith('.') ? '' : '.';
    return new InvalidArgumentError(
      argument,
      `Invalid ${argument} (${shown}): ${reason}${end}`,
    );
  }
}

/** `registerStore()` found another store under the same name. */
export class StoreExistsError extends ProxyStoreError {
  override readonly name = 'StoreExistsError';
  readonly storeName: string;

  constructor(storeName: string, options?: ErrorOptions) {
    super(
      `A store named '${storeName}' is already registered. ` +
        'Pass existOk=true to replace it, or unregister it first.',
      options,
    );
    this.storeName = storeName;
  }
}

/** A proxy's factory is not a `StoreFactory` where one is required. */
export class ProxyStoreFactoryError extends ProxyStoreError {
  override readonly name = 'ProxyStoreFactoryError';
}

/** Resolving a proxy failed; `cause` holds the original error. */
export class ProxyResolveError extends ProxyStoreError {
  override readonly name: string = 'ProxyResolveError';
}

/** The store has no object under the proxy's key (evicted, or never written). */
export class ProxyResolveMissingKeyError extends ProxyResolveError {
  override readonly name = 'ProxyResolveMissingKeyError';
  readonly key: unknown;
  readonly storeName: string;
  readonly connectorKind: string;

  constructor(
    key: unknown,
    storeName: string,
    connectorKind: string,
    options?: ErrorOptions,
  ) {
    super(
      `Proxy cannot resolve its target: store '${storeName}' ` +
        `(connector '${connectorKind}') has no object under key ` +
        `${describeValue(key)}. This usually means the object was evicted ` +
        '(for example by a proxy made with evict: true) or never written.',
      options,
    );
    this.key = key;
    this.storeName = storeName;
    this.connectorKind = connectorKind;
  }
}

/** `store.proxy()` was given a value that cannot stand behind a proxy. */
export class NonProxiableTypeError extends ProxyStoreError {
  override readonly name = 'NonProxiableTypeError';
  readonly value: unknown;

  constructor(value: unknown, options?: ErrorOptions) {
    super(
      `Cannot proxy ${describeValue(value)}: a proxy is an object, so it can ` +
        'never be === a primitive (null, undefined, boolean, symbol, number, ' +
        'string, bigint) and is always truthy. Wrap the value in an object, ' +
        'pass skipNonProxiable: true to get it back unchanged, or ' +
        'boxPrimitives: true to box a truthy string, number or bigint.',
      options,
    );
    this.value = value;
  }
}

/** Serializing or deserializing a value failed; `cause` holds the original error. */
export class SerializationError extends ProxyStoreError {
  override readonly name = 'SerializationError';
  readonly key: unknown;

  constructor(message: string, options?: ErrorOptions & { key?: unknown }) {
    super(message, options);
    this.key = options?.key;
  }
}

/** Base of the per-backend connector errors. */
export class ConnectorError extends ProxyStoreError {
  override readonly name: string = 'ConnectorError';
  /** The connector kind, for example `'file'` or `'redis'`. */
  readonly connectorKind: string;

  constructor(connectorKind: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.connectorKind = connectorKind;
  }
}

/** A connector kind named in a config or reference is not registered. */
export class UnknownConnectorKindError extends ConnectorError {
  override readonly name = 'UnknownConnectorKindError';
}

/** Raised by {@link LocalConnector}. */
export class LocalConnectorError extends ConnectorError {
  override readonly name = 'LocalConnectorError';

  constructor(message: string, options?: ErrorOptions) {
    super('local', message, options);
  }
}

/** Raised by {@link FileConnector}. */
export class FileConnectorError extends ConnectorError {
  override readonly name = 'FileConnectorError';
  readonly path: string | undefined;

  constructor(message: string, options?: ErrorOptions & { path?: string }) {
    super('file', message, options);
    this.path = options?.path;
  }
}

/** The synchronous bridge failed (start-up, timeout, re-entrant use). */
export class BridgeError extends ProxyStoreError {
  override readonly name: string = 'BridgeError';
}

/** A blocking bridge call waited longer than its timeout. */
export class BridgeTimeoutError extends BridgeError {
  override readonly name = 'BridgeTimeoutError';
  readonly timeoutMs: number;

  constructor(message: string, timeoutMs: number, options?: ErrorOptions) {
    super(message, options);
    this.timeoutMs = timeoutMs;
  }
}

/** Short, safe description of a value for error messages (never throws). */
export { describeValue };

/**
 * Raised by the distributed in-memory (DIM) connectors (`websocket`, `ucx`).
 * `address` is the peer or server involved, as `host:port`.
 */
export class DimConnectorError extends ConnectorError {
  override readonly name: string = 'DimConnectorError';
  readonly address: string;

  constructor(
    connectorKind: string,
    address: string,
    message: string,
    options?: ErrorOptions,
  ) {
    super(connectorKind, message, options);
    this.address = address;
  }
}

/** A DIM peer is gone, refused the connection, or closed it mid-request. */
export class DimPeerUnavailableError extends DimConnectorError {
  override readonly name: string = 'DimPeerUnavailableError';
}

/** A DIM peer did not answer within the connector's timeout. */
export class DimTimeoutError extends DimPeerUnavailableError {
  override readonly name = 'DimTimeoutError';
  readonly timeoutMs: number;

  constructor(
    connectorKind: string,
    address: string,
    timeoutMs: number,
    message: string,
    options?: ErrorOptions,
  ) {
    super(connectorKind, address, message, options);
    this.timeoutMs = timeoutMs;
  }
}

/**
 * A DIM chunk frame or message was malformed or larger than allowed. Only the
 * message it belongs to (`messageId`, when it could be read) fails.
 */
export class DimFrameError extends ProxyStoreError {
  override readonly name = 'DimFrameError';
  readonly messageId: number | undefined;

  constructor(
    message: string,
    options?: ErrorOptions & { messageId?: number | undefined },
  ) {
    super(message, options);
    this.messageId = options?.messageId;
  }
}

/** An endpoint's configuration, process or server failed; names the endpoint. */
export class EndpointError extends ProxyStoreError {
  override readonly name: string = 'EndpointError';
  /** The endpoint's name (or id when no name is known), if any. */
  readonly endpoint: string | undefined;

  constructor(
    message: string,
    options?: ErrorOptions & { endpoint?: string | undefined },
  ) {
    super(message, options);
    this.endpoint = options?.endpoint;
  }
}

/**
 * Raised by `EndpointConnector`: no running endpoint was found, the endpoint
 * answered with an error status, or the connection failed mid-request.
 */
export class EndpointConnectorError extends ConnectorError {
  override readonly name = 'EndpointConnectorError';
  /** HTTP status the endpoint answered with; undefined for network faults. */
  readonly status: number | undefined;
  /** The endpoint's own text message for the failure, if it sent one. */
  readonly serverMessage: string | undefined;
  /** Address of the endpoint the request went to, if one was chosen. */
  readonly address: string | undefined;

  constructor(
    message: string,
    options?: ErrorOptions & {
      status?: number | undefined;
      serverMessage?: string | undefined;
      address?: string | undefined;
    },
  ) {
    super('endpoint', message, options);
    this.status = options?.status;
    this.serverMessage = options?.serverMessage;
    this.address = options?.address;
  }
}

/**
 * Raised by `RedisConnector`: the server refused or lost the connection, a
 * command timed out, or the server rejected a command (for example a value
 * above its `proto-max-bulk-len`). `address` is the server (or cluster seed
 * nodes) as `host:port`; `reply` is the Redis error reply, when there is one.
 */
export class RedisConnectorError extends ConnectorError {
  override readonly name = 'RedisConnectorError';
  /** The server address, `host:port` (comma-separated for a cluster). */
  readonly address: string;
  /** The Redis command that failed, for example `'GET'` or `'MSET'`. */
  readonly command: string | undefined;
  /** The server's error reply (`ERR ...`), when the server answered. */
  readonly reply: string | undefined;

  constructor(
    address: string,
    message: string,
    options?: ErrorOptions & {
      command?: string | undefined;
      reply?: string | undefined;
    },
  ) {
    super('redis', message, options);
    this.address = address;
    this.command = options?.command;
    this.reply = options?.reply;
  }
}

/** An optional peer dependency is not installed; the message says what to install. */
export class MissingDependencyError extends ProxyStoreError {
  override readonly name = 'MissingDependencyError';
  /** The npm package to install, for example `'ws'`. */
  readonly packageName: string;

  constructor(packageName: string, purpose: string, options?: ErrorOptions) {
    super(
      `The optional package '${packageName}' is required for ${purpose} but ` +
        `could not be loaded. Install it with: npm install ${packageName}`,
      options,
    );
    this.packageName = packageName;
  }
}

/**
 * The relay refused this endpoint for good: unauthorized (4001), forbidden or
 * not registered (4002), replaced by a newer registration under the same id
 * (4004), or a registration larger than the relay accepts (1009). A relay
 * client never retries after this error.
 */
export class RelayRegistrationError extends ProxyStoreError {
  override readonly name = 'RelayRegistrationError';
  /** The WebSocket close code the relay sent. */
  readonly code: number;
  /** The close reason the relay sent (may be empty). */
  readonly reason: string;
  /** The relay address, for example `ws://127.0.0.1:8700`. */
  readonly address: string;

  constructor(
    address: string,
    code: number,
    reason: string,
    options?: ErrorOptions,
  ) {
    const why = reason === '' ? 'no reason given' : `reason: ${reason}`;
    super(
      `The relay at ${address} refused this endpoint with code ${code} ` +
        `(${why}). The client will not retry: ${relayRefusalHint(code)}`,
      options,
    );
    this.code = code;
    this.reason = reason;
    this.address = address;
  }
}

/** What to check after a relay refusal, by close code (or HTTP status). */
function relayRefusalHint(code: number): string {
  switch (code) {
    case 4001:
    case 401:
      return 'pass the token the relay was started with (relayToken).';
    case 4004:
      return 'another process registered the same endpoint id; stop one.';
    case 1009:
      return 'the registration is larger than the relay accepts.';
    default:
      return 'check the relay address and that client and relay versions match.';
  }
}

/**
 * The relay could not be reached after a bounded number of attempts, or a
 * message was sent while the client was not connected.
 */
export class RelayConnectionError extends ProxyStoreError {
  override readonly name = 'RelayConnectionError';
  /** The relay address. */
  readonly address: string;
  /** How many connection attempts were made (0 when none was made). */
  readonly attempts: number;

  constructor(
    address: string,
    message: string,
    options?: ErrorOptions & { attempts?: number },
  ) {
    super(message, options);
    this.address = address;
    this.attempts = options?.attempts ?? 0;
  }
}

/**
 * A peer connection to another endpoint could not be opened, was lost while a
 * request was in flight, or the relay does not know the peer.
 */
export class PeerConnectionError extends ProxyStoreError {
  override readonly name: string = 'PeerConnectionError';
  /** The other endpoint's id. */
  readonly peerId: string;

  constructor(peerId: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.peerId = peerId;
  }
}

/** A peer connection did not open, or a peer did not answer, in time. */
export class PeerTimeoutError extends PeerConnectionError {
  override readonly name = 'PeerTimeoutError';
  readonly timeoutMs: number;

  constructor(
    peerId: string,
    timeoutMs: number,
    message: string,
    options?: ErrorOptions,
  ) {
    super(peerId, message, options);
    this.timeoutMs = timeoutMs;
  }
}

/**
 * UCXStore cannot run here: UCX is not installed, or the native addon that
 * binds it was not built (or does not load). `detail` says which.
 */
export class UcxUnavailableError extends ConnectorError {
  override readonly name = 'UcxUnavailableError';
  readonly detail: string;

  constructor(detail: string, options?: ErrorOptions) {
    super(
      'ucx',
      `UCXStore is unavailable: ${detail}. Install UCX (Debian or Ubuntu: ` +
        '`apt-get install libucx-dev`), then build the addon with ' +
        '`npm rebuild proxystore` or, in the package directory, ' +
        '`node scripts/build-ucx.mjs`.',
      options,
    );
    this.detail = detail;
  }
}
