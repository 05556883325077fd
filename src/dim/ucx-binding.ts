import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

import { UcxUnavailableError } from '../errors.js';
import { logger } from '../utils/debug.js';

const log = logger('dim:ucx');

/** The error the addon hands to its callbacks. */
export interface UcxNativeError extends Error {
  /** `ERR_UCX_PEER`, `ERR_UCX_TOO_LARGE`, `ERR_UCX_ADDRESS_IN_USE`, ... */
  readonly code: string;
  /** UCX's own status text, when UCX reported the failure. */
  readonly ucsStatus?: string;
}

type Callback<T> = (error: UcxNativeError | null, value: T) => void;

/** What a server start reports. */
export interface UcxServerInfo {
  readonly serverId: number;
  /** The bound port (the one asked for, or the free port picked for 0). */
  readonly port: number;
}

/** The result of a request, by operation. */
export type UcxReply = ArrayBuffer | boolean | null | undefined;

/**
 * The functions of the native addon (native/ucx/src/addon.cc). Each takes a
 * node-style callback that runs later on the calling thread; UCX itself
 * runs on the addon's progress thread, never on a JS thread.
 */
export interface UcxAddon {
  /** The UCX library version, for example `'1.13.1'`. */
  version(): string;
  /** Starts a storage server listening on `host:port` (0: a free port). */
  startServer(
    host: string,
    port: number,
    maxMessageSize: number,
    chunkSize: number,
    callback: Callback<UcxServerInfo>,
  ): void;
  /** Stops a server; its objects are dropped. */
  stopServer(serverId: number, callback: Callback<undefined>): void;
  /** Stores a copy of `data` in a server of this process. */
  put(
    serverId: number,
    key: string,
    data: Uint8Array,
    callback: Callback<undefined>,
  ): void;
  /**
   * Sets the bytes a `raw` request for `key` returns, whole, in one message
   * (the benchmarks' baseline: a plain UCX transfer of the same bytes).
   */
  setRaw(serverId: number, key: string, data: Uint8Array, callback: Callback<undefined>): void;
  /**
   * Sends one request to the server at `host:port` and returns its id for
   * {@link UcxAddon.cancel}. `op` is a {@link UCX_OPS} code.
   */
  request(
    host: string,
    port: number,
    op: number,
    key: string,
    data: Uint8Array | null,
    maxReplySize: number,
    chunkSize: number,
    callback: Callback<UcxReply>,
  ): number;
  /** Forgets a request: its callback never runs, a late reply is dropped. */
  cancel(id: number): void;
  /**
   * Tests only: sends `header` verbatim as a request's message header
   * (bytes 8 to 15, the message id, are replaced by the call's id).
   */
  requestRaw(
    host: string,
    port: number,
    header: Uint8Array,
    data: Uint8Array | null,
    callback: Callback<UcxReply>,
  ): number;
  /** Diagnostics: payload bytes this process has received over UCX so far. */
  stats(): { receivedBytes: number };
}

/** Operation codes of the wire protocol (native/ucx/src/wire.h). */
export const UCX_OPS = {
  ping: 1,
  put: 2,
  get: 3,
  exists: 4,
  evict: 5,
  raw: 6,
} as const;

export type UcxOp = keyof typeof UCX_OPS;

/** Where the addon is built, relative to this module (src/ or dist/). */
const DEFAULT_ADDON_URL = new URL(
  '../../native/ucx/build/Release/proxystore_ucx.node',
  import.meta.url,
);

/**
 * UCX settings that keep it off process-wide machinery Node relies on.
 * UCX reads them when libucs loads, so they are set before the addon is
 * required; a value already in the environment wins.
 */
export const UCX_PROCESS_DEFAULTS: Readonly<Record<string, string>> = {
  // UCX's memory hooks patch libc's mmap and malloc at run time while V8's
  // threads call them; measured here, that crashed Node now and then. TCP
  // and shared-memory transports do not need them; RDMA ones lose their
  // registration cache and register memory per transfer.
  UCX_MEM_EVENTS: 'no',
  // UCX's fatal-signal handlers replace V8's, and a WebAssembly bounds
  // check (a SIGSEGV that V8 turns into a RuntimeError) then killed the
  // process instead of throwing.
  UCX_HANDLE_ERRORS: 'none',
};

let addon: UcxAddon | undefined;
let loadError: UcxUnavailableError | undefined;

/**
 * The path the addon loads from: `PROXYSTORE_UCX_ADDON` if set, else the
 * package's own `native/ucx/build/Release/proxystore_ucx.node`.
 */
export function ucxAddonPath(): string {
  return process.env['PROXYSTORE_UCX_ADDON'] ?? fileURLToPath(DEFAULT_ADDON_URL);
}

/**
 * Loads the addon on first use. Loading starts nothing: UCX itself starts
 * with the first server or request.
 *
 * @throws {@link UcxUnavailableError} when the addon is not built or does
 * not load (for example because libucp is missing).
 */
export function loadUcxAddon(): UcxAddon {
  if (addon !== undefined) return addon;
  if (loadError !== undefined) throw loadError;

  const path = ucxAddonPath();
  for (const [name, value] of Object.entries(UCX_PROCESS_DEFAULTS)) {
    process.env[name] ??= value;
  }
  try {
    addon = createRequire(import.meta.url)(path) as UcxAddon;
  } catch (cause) {
    const missing = (cause as { code?: unknown }).code === 'MODULE_NOT_FOUND';
    const detail = missing
      ? `the UCX addon was not built (no ${path})`
      : `the UCX addon at ${path} did not load (${(cause as Error).message})`;
    loadError = new UcxUnavailableError(detail, { cause });
    throw loadError;
  }

  log('loaded the UCX addon (UCX %s) from %s', addon.version(), path);
  return addon;
}

/** Whether the UCX addon loads in this process. */
export function isUcxAvailable(): boolean {
  try {
    loadUcxAddon();
    return true;
  } catch {
    return false;
  }
}

/** Calls an addon function that takes a trailing callback, as a promise. */
export function callUcx<T>(call: (callback: Callback<T>) => void): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    call((error, value) => {
      if (error !== null) reject(error);
      else resolve(value);
    });
  });
}
