/**
 * The synchronous bridge: lets a proxy resolve implicitly (inside a trap)
 * on a connector whose I/O is async. One worker thread per thread that uses
 * the bridge owns connectors rebuilt from their configs; the caller blocks in
 * `Atomics.wait` until the worker answers.
 *
 * Rules: every wait has a timeout ({@link BridgeTimeoutError}); replies carry
 * request ids and late replies are dropped; a worker that fails to start or
 * crashes raises {@link BridgeError} with the cause; calls from inside the
 * bridge worker raise {@link BridgeError}; bytes come back transferred, not
 * cloned. The worker is unref'd and never keeps the process alive.
 *
 * @remarks
 * The bridge blocks the calling thread. A server that the connector talks to
 * must not run on that thread's event loop (for example an HTTP server in the
 * same thread): it cannot answer while the thread is blocked, and the call
 * ends in a timeout. Async code should use `await resolve(proxy)`, which never
 * uses the bridge.
 */
import type { ConnectorConfig, ConnectorKey } from '../connectors/connector.js';
import {
  BridgeError,
  BridgeTimeoutError,
  InvalidArgumentError,
  describeValue,
} from '../errors.js';
import { warn } from '../utils/debug.js';
import { stableStringify } from '../utils/json.js';
import { isBridgeWorkerThread } from './bootstrap.js';
import {
  type BridgeCall,
  BridgeClient,
  type BridgeResult,
  type OnTimeout,
} from './bridge-client.js';

/** Default wait of one bridge call, in milliseconds. */
export const DEFAULT_BRIDGE_TIMEOUT_MS = 30_000;

/** Longest wait for the worker to close its connectors on shutdown. */
const SHUTDOWN_TIMEOUT_MS = 5_000;

/** Options of one bridge call. */
export interface BridgeCallOptions {
  /** Store name, for error messages. */
  storeName?: string | undefined;
  /** Wait at most this long (default: {@link setBridgeTimeout}). */
  timeoutMs?: number | undefined;
}

let timeoutMs = timeoutFromEnv();
let client: BridgeClient | undefined;
const modules: string[] = [];
const loaded = new Set<string>();

function timeoutFromEnv(): number {
  const text = process.env['PROXYSTORE_BRIDGE_TIMEOUT_MS'];
  if (text === undefined || text === '') return DEFAULT_BRIDGE_TIMEOUT_MS;

  const value = Number(text);
  if (Number.isFinite(value) && value > 0) return value;
  warn(
    'PROXYSTORE_BRIDGE_TIMEOUT',
    `Ignoring PROXYSTORE_BRIDGE_TIMEOUT_MS=${JSON.stringify(text)}: it must be a ` +
      `positive number of milliseconds. Using ${DEFAULT_BRIDGE_TIMEOUT_MS} ms.`,
  );
  return DEFAULT_BRIDGE_TIMEOUT_MS;
}

function checkTimeout(name: string, ms: number): number {
  if (typeof ms !== 'number' || !Number.isFinite(ms) || ms <= 0) {
    throw InvalidArgumentError.format(name, ms, 'use a positive number of milliseconds');
  }
  return ms;
}

/**
 * Sets the default wait of bridge calls (initially 30 000 ms, or
 * `PROXYSTORE_BRIDGE_TIMEOUT_MS`).
 */
export function setBridgeTimeout(ms: number): void {
  timeoutMs = checkTimeout('ms', ms);
}

/** The current default wait of bridge calls, in milliseconds. */
export function getBridgeTimeout(): number {
  return timeoutMs;
}

/**
 * Makes the bridge worker import a module (by URL) before it serves calls,
 * for example one that registers an application's own connector kind with
 * `registerConnectorKind`. The worker only ever imports modules named here
 * by the application and this package's own built-in kinds. If the worker is
 * already running, the module is loaded before the next call.
 *
 * @param url - a `file:` URL (or `URL`), e.g. `new URL('./kinds.js', import.meta.url)`.
 */
export function registerBridgeModule(url: string | URL): void {
  const href = typeof url === 'string' ? url : url.href;
  if (!URL.canParse(href)) {
    throw InvalidArgumentError.format('url', href, 'give an absolute URL (file:...)');
  }
  if (!modules.includes(href)) modules.push(href);
}

/**
 * Forgets a module given to {@link registerBridgeModule}. A worker that
 * already imported it keeps it until {@link shutdownBridge}.
 */
export function unregisterBridgeModule(url: string | URL): void {
  const href = typeof url === 'string' ? url : url.href;
  const index = modules.indexOf(href);
  if (index !== -1) modules.splice(index, 1);
}

/** Whether a bridge worker is running in this thread (tests, diagnostics). */
export function isBridgeRunning(): boolean {
  return client !== undefined && !client.dead;
}

/** Whether this thread is a bridge worker. */
export { isBridgeWorkerThread } from './bootstrap.js';

/**
 * Closes the worker's connectors and stops the worker. The next bridge call
 * starts a new one. Safe to call when no worker runs.
 *
 * @remarks Blocks this thread (at most 5 s) while the worker closes its
 * connections; an unref'd worker needs no shutdown for the process to exit.
 */
export async function shutdownBridge(): Promise<void> {
  const current = client;
  client = undefined;
  loaded.clear();
  if (current === undefined) return;

  try {
    const wait = Math.min(timeoutMs, SHUTDOWN_TIMEOUT_MS);
    if (!current.dead) current.call({ type: 'close' }, wait, closeTimeout);
  } catch {
    // The worker is stuck or gone: terminating it is all that is left.
  } finally {
    await current.terminate();
  }
}

function closeTimeout(waited: number): BridgeError {
  return new BridgeTimeoutError(
    `The bridge worker did not close its connectors within ${Math.round(waited)} ms.`,
    waited,
  );
}

/**
 * Reads the bytes under `key` synchronously through the bridge worker;
 * `null` when the connector has none.
 *
 * @throws {@link BridgeTimeoutError} when the worker does not answer in time.
 * @throws {@link BridgeError} on re-entrant use, a worker that fails to start
 *   or crashes, or a connector error (its `cause`).
 */
export function bridgeGetSync(
  connector: ConnectorConfig,
  key: ConnectorKey,
  options: BridgeCallOptions = {},
): Uint8Array | null {
  const value = callConnector('get', connector, key, options);
  if (value === null) return null;
  if (!(value instanceof ArrayBuffer)) {
    throw new BridgeError(`The bridge worker answered a get with ${describeValue(value)}.`);
  }
  return Buffer.from(value);
}

/**
 * Whether an object exists under `key`, asked synchronously through the
 * bridge worker. Throws as {@link bridgeGetSync}.
 */
export function bridgeExistsSync(
  connector: ConnectorConfig,
  key: ConnectorKey,
  options: BridgeCallOptions = {},
): boolean {
  return callConnector('exists', connector, key, options) === true;
}

function callConnector(
  type: 'get' | 'exists',
  config: ConnectorConfig,
  key: ConnectorKey,
  options: BridgeCallOptions,
): BridgeResult {
  const wait = checkTimeout('timeoutMs', options.timeoutMs ?? timeoutMs);
  const what = describeCall(type, config, key, options);

  if (isBridgeWorkerThread()) {
    throw new BridgeError(
      `Re-entrant bridge call: ${what} was made from inside the bridge worker ` +
        '(for example by a connector the worker runs), which would wait on ' +
        'itself. Use the async API (await resolve(proxy), connector.get()) there.',
    );
  }

  const request: BridgeCall = { type, config, configKey: configKeyOf(config), key };
  const onTimeout = (waited: number): BridgeTimeoutError =>
    new BridgeTimeoutError(
      `Bridge ${what} got no answer within ${Math.round(waited)} ms ` +
        `(timeout ${wait} ms). The server may be slow or unreachable, or it ` +
        'runs on the event loop of the thread that is blocked waiting for it. ' +
        'Use await resolve(proxy) in async code, or raise the timeout with ' +
        'setBridgeTimeout() or PROXYSTORE_BRIDGE_TIMEOUT_MS.',
      wait,
    );

  try {
    return ensureClient(wait, onTimeout).call(request, wait, onTimeout);
  } catch (error) {
    if (error instanceof BridgeError) throw error;
    const message = error instanceof Error ? error.message : String(error);
    throw new BridgeError(`Bridge ${what} failed in the worker: ${message}`, {
      cause: error,
    });
  }
}

/** Stable string of a config, cached per config object (connectors reuse theirs). */
const configKeys = new WeakMap<ConnectorConfig, string>();

function configKeyOf(config: ConnectorConfig): string {
  let key = configKeys.get(config);
  if (key === undefined) {
    key = `${config.kind}:${stableStringify(config.options)}`;
    if (Object.isFrozen(config)) configKeys.set(config, key);
  }
  return key;
}

function describeCall(
  type: string,
  config: ConnectorConfig,
  key: ConnectorKey,
  options: BridgeCallOptions,
): string {
  const store = options.storeName === undefined ? '' : ` from store '${options.storeName}'`;
  return `${type} of key ${describeValue(key)}${store} (connector '${config.kind}')`;
}

/** The running client, started (and given pending modules) if needed. */
function ensureClient(wait: number, onTimeout: OnTimeout): BridgeClient {
  if (client === undefined || client.dead) {
    client = BridgeClient.start(modules, wait, onTimeout);
    loaded.clear();
    for (const url of modules) loaded.add(url);
  }

  for (const url of modules) {
    if (loaded.has(url)) continue;
    try {
      client.call({ type: 'load', url }, wait, onTimeout);
    } catch (error) {
      if (error instanceof BridgeError) throw error;
      throw new BridgeError(
        `The bridge worker could not load ${url} (registered with ` +
          `registerBridgeModule): ${error instanceof Error ? error.message : error}`,
        { cause: error },
      );
    }
    loaded.add(url);
  }
  return client;
}
