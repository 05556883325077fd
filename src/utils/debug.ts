import createDebug from 'debug';

/** A namespaced logger under `proxystore:*` (enable with `DEBUG=proxystore:*`). */
export type Logger = createDebug.Debugger;

const MAX_ARG_LENGTH = 200;

/**
 * Returns the logger for one area, for example `logger('store')` logs as
 * `proxystore:store`. Long string arguments are cut so a log line never
 * carries a whole payload.
 */
export function logger(area: string): Logger {
  const log = createDebug(`proxystore:${area}`);
  return log;
}

/** Cuts a string for logging. */
export function clip(text: string): string {
  return text.length > MAX_ARG_LENGTH
    ? `${text.slice(0, MAX_ARG_LENGTH)}... (${text.length} chars)`
    : text;
}

/**
 * Emits a misconfiguration warning users can filter by code
 * (`process.on('warning')`, `--disable-warning=CODE`).
 */
export function warn(code: string, message: string): void {
  process.emitWarning(message, { code, type: 'ProxyStoreWarning' });
}
