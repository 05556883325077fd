import type { TransferListItem } from 'node:worker_threads';

import { proxiesToReferences } from './references.js';

/** The part of `MessagePort`, `Worker` and `BroadcastChannel` used here. */
export interface MessageTarget {
  postMessage(value: unknown, transferList?: readonly TransferListItem[]): void;
}

/**
 * Posts a value that may hold proxies: each proxy goes as its reference (and
 * each {@link ProxyLocker} as a locker reference), never as its target, and
 * no proxy is resolved. The receiver calls `reviveProxies(message)` to get
 * proxies back; they fetch their targets on first use.
 *
 * @remarks A raw `port.postMessage(proxy)` or `structuredClone(proxy)` still
 * throws a DataCloneError ("could not be cloned"): structured clone cannot
 * see through a JavaScript Proxy, and this library does not change that.
 * @example
 * ```ts
 * postMessageWithProxies(worker, { job: 7, data: proxy });
 * // in the worker:
 * parentPort.on('message', (msg) => run(reviveProxies(msg)));
 * ```
 */
export function postMessageWithProxies(
  port: MessageTarget,
  value: unknown,
  transferList?: readonly TransferListItem[],
): void {
  const message = proxiesToReferences(value);
  if (transferList === undefined) port.postMessage(message);
  else port.postMessage(message, transferList);
}
