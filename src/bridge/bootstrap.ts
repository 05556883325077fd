/**
 * How the bridge worker starts. The worker runs a tiny plain-JS bootstrap
 * (`eval`), which marks the thread as a bridge worker, imports the real
 * worker module and reports any failure to the blocked thread through the
 * same channel and signal as replies, so a worker that cannot start (or that
 * crashes or exits) ends the wait with an error instead of a hang.
 */
import {
  siblingModuleUrl,
  typeScriptLoaderUrl as tsLoaderUrl,
} from '../utils/module-worker.js';

/** Global marker set in every bridge worker thread (re-entrancy check). */
export const BRIDGE_WORKER_MARK = Symbol.for('proxystore.bridge.worker');

/** Whether the current thread is a bridge worker. */
export function isBridgeWorkerThread(): boolean {
  return (globalThis as Record<symbol, unknown>)[BRIDGE_WORKER_MARK] === true;
}

/**
 * URL of the worker module next to this file: `worker.ts` when running from
 * sources under a TypeScript loader (tests), `worker.js` when built.
 */
export function workerEntryUrl(): URL {
  return siblingModuleUrl(import.meta.url, 'worker');
}

/**
 * URL of tsx's ESM register API when running from `.ts` sources (Node 20's
 * tsx hooks do not reach worker threads), else undefined.
 */
export function typeScriptLoaderUrl(): string | undefined {
  return tsLoaderUrl(import.meta.url);
}

/** The bootstrap, run as CommonJS with `eval: true`. */
export const BOOTSTRAP_SOURCE = `
'use strict';
const { workerData } = require('node:worker_threads');
globalThis[Symbol.for('proxystore.bridge.worker')] = true;
const signal = new Int32Array(workerData.signal);
let failed = false;

function fatal(error) {
  if (failed) return;
  failed = true;
  const e = error instanceof Error ? error : new Error(String(error));
  const code = typeof e.code === 'string' ? e.code : undefined;
  const encoded = {
    name: String(e.name), message: String(e.message), stack: e.stack,
    fields: code === undefined ? {} : { code }, cause: undefined,
  };
  try {
    workerData.port.postMessage({ type: 'fatal', id: 0, error: encoded });
  } catch {}
  Atomics.add(signal, 0, 1);
  Atomics.notify(signal, 0);
}

process.on('uncaughtException', fatal);
process.on('unhandledRejection', fatal);
process.on('exit', (code) => {
  fatal(new Error('The bridge worker exited (code ' + code + ').'));
});

async function load(url) {
  try {
    return await import(url);
  } catch (error) {
    const code = error && error.code;
    if (code !== 'ERR_UNKNOWN_FILE_EXTENSION' || !workerData.tsLoader) throw error;
    const tsx = await import(workerData.tsLoader);
    tsx.register();
    // The failed URL stays failed in the module map: load it under a new one.
    return await import(url + '?ts');
  }
}

load(workerData.entry).catch(fatal);
`;
