/**
 * Messages between a blocked thread and its bridge worker. Every request
 * carries an id; the worker answers on the same port, then bumps the shared
 * signal word and notifies, so the blocked thread wakes and takes the reply
 * with `receiveMessageOnPort`.
 */
import type { ConnectorConfig, ConnectorKey } from '../connectors/connector.js';

/** What the worker receives in `workerData`. */
export interface BridgeWorkerData {
  /** The worker's end of the channel. */
  port: import('node:worker_threads').MessagePort;
  /** One Int32 on a SharedArrayBuffer: bumped after every reply. */
  signal: SharedArrayBuffer;
  /** URL of the worker module (`worker.ts` under tsx, `worker.js` built). */
  entry: string;
  /** URL of tsx's ESM API, to load `.ts` sources when the worker needs it. */
  tsLoader: string | undefined;
  /** Modules to import before the worker answers (see `registerBridgeModule`). */
  modules: string[];
}

export type BridgeRequest =
  | {
      type: 'get' | 'exists';
      id: number;
      config: ConnectorConfig;
      /** Stable string of `config`, the worker's cache key. */
      configKey: string;
      key: ConnectorKey;
    }
  | { type: 'load'; id: number; url: string }
  | { type: 'close'; id: number };

export type BridgeReply =
  /** `value`: the bytes' ArrayBuffer (transferred), `null`, or a boolean. */
  | { type: 'result'; id: number; value: ArrayBuffer | boolean | null }
  | { type: 'error'; id: number; error: EncodedError }
  /** The worker finished start-up (id 0). */
  | { type: 'ready'; id: 0 }
  /** The worker failed to start or crashed; it answers nothing more (id 0). */
  | { type: 'fatal'; id: 0; error: EncodedError };

/** An error as plain data (class identity does not cross threads). */
export interface EncodedError {
  name: string;
  message: string;
  stack: string | undefined;
  /** JSON-safe own fields: `connectorKind`, `address`, `reply`, `code`, ... */
  fields: Record<string, unknown>;
  cause: EncodedError | undefined;
}

/** Encodes an error (and its cause chain, 4 deep) for `postMessage`. */
export function encodeError(error: unknown, depth = 0): EncodedError {
  if (!(error instanceof Error)) {
    const message = String(error);
    return { name: 'Error', message, stack: undefined, fields: {}, cause: undefined };
  }

  const fields: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(error)) {
    if (name === 'cause' || name === 'name') continue;
    const kind = typeof value;
    if (value === null || kind === 'string' || kind === 'number' || kind === 'boolean') {
      fields[name] = value;
    }
  }

  const cause =
    depth < 4 && error.cause !== undefined
      ? encodeError(error.cause, depth + 1)
      : undefined;
  const { name, message, stack } = error;
  return { name, message, stack, fields, cause };
}

/**
 * Rebuilds an encoded error as an `Error` with the same name, message, stack
 * and fields (`instanceof` of the original class does not survive).
 */
export function decodeError(encoded: EncodedError): Error {
  const options =
    encoded.cause === undefined ? {} : { cause: decodeError(encoded.cause) };
  const error = new Error(encoded.message, options);
  Object.defineProperty(error, 'name', { value: encoded.name, configurable: true });
  if (encoded.stack !== undefined) error.stack = encoded.stack;
  Object.assign(error, encoded.fields);
  return error;
}
