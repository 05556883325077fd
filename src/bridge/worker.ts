/**
 * The bridge worker: owns async connectors rebuilt from their configs and
 * answers the blocked thread's requests. Loaded by the bootstrap in
 * `bootstrap.ts`, which reports any failure to load this module.
 */
import { workerData } from 'node:worker_threads';

import '../connectors/builtin-kinds.js';
import type { Connector } from '../connectors/connector.js';
import { connectorFromConfig } from '../connectors/kinds.js';
import { logger } from '../utils/debug.js';
import {
  type BridgeReply,
  type BridgeRequest,
  type BridgeWorkerData,
  encodeError,
} from './protocol.js';

const log = logger('bridge:worker');

const data = workerData as BridgeWorkerData;
const port = data.port;
const signal = new Int32Array(data.signal);

/** One connector per stable config string; a failed build is retried later. */
const connectors = new Map<string, Promise<Connector>>();

/** Posts a reply, then wakes the blocked thread (post first, then notify). */
function reply(message: BridgeReply, transfer: ArrayBuffer[] = []): void {
  port.postMessage(message, transfer);
  Atomics.add(signal, 0, 1);
  Atomics.notify(signal, 0);
}

type ConnectorRequest = BridgeRequest & { type: 'get' | 'exists' };

function connectorFor(request: ConnectorRequest): Promise<Connector> {
  let connector = connectors.get(request.configKey);
  if (connector === undefined) {
    const built = connectorFromConfig(request.config);
    connectors.set(request.configKey, built);
    built.catch(() => {
      if (connectors.get(request.configKey) === built) {
        connectors.delete(request.configKey);
      }
    });
    log('building a %s connector', request.config.kind);
    connector = built;
  }
  return connector;
}

/**
 * The bytes as an ArrayBuffer this thread can give away: the value's own
 * buffer when it spans all of it (zero copy), else one copy. Small pooled
 * Buffers share a slab, which must never be transferred.
 */
function transferable(bytes: Uint8Array): ArrayBuffer {
  const buffer = bytes.buffer;
  const whole = bytes.byteOffset === 0 && bytes.byteLength === buffer.byteLength;
  if (whole && buffer instanceof ArrayBuffer) return buffer;

  const copy = new Uint8Array(bytes.byteLength);
  copy.set(bytes);
  return copy.buffer;
}

async function handle(request: BridgeRequest): Promise<void> {
  try {
    switch (request.type) {
      case 'get': {
        const connector = await connectorFor(request);
        const bytes = await connector.get(request.key);
        if (bytes === null) {
          reply({ type: 'result', id: request.id, value: null });
          return;
        }
        const buffer = transferable(bytes);
        reply({ type: 'result', id: request.id, value: buffer }, [buffer]);
        return;
      }
      case 'exists': {
        const connector = await connectorFor(request);
        const found = await connector.exists(request.key);
        reply({ type: 'result', id: request.id, value: found });
        return;
      }
      case 'load':
        await import(request.url);
        reply({ type: 'result', id: request.id, value: true });
        return;
      case 'close':
        await closeAll();
        reply({ type: 'result', id: request.id, value: true });
        return;
    }
  } catch (error) {
    reply({ type: 'error', id: request.id, error: encodeError(error) });
  }
}

/** Closes every connector this worker built (never clears: they only read). */
async function closeAll(): Promise<void> {
  const pending = [...connectors.values()];
  connectors.clear();

  await Promise.allSettled(
    pending.map(async (connector) => (await connector).close({ clear: false })),
  );
}

port.on('message', (request: BridgeRequest) => {
  void handle(request);
});

for (const url of data.modules) {
  await import(url);
}
reply({ type: 'ready', id: 0 });
