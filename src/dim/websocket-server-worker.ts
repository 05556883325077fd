/**
 * Entry of the worker thread that runs a process's WebSocket DIM server.
 * The objects live in this thread; the owner hands puts over by transfer.
 */
import { parentPort, workerData } from 'node:worker_threads';

import type { DimServerSettings } from './dim-config.js';
import { startWebsocketServer } from './websocket-server.js';
import type { ObjectTable } from './websocket-server.js';
import { transferableCopy } from './server-thread-messages.js';
import type { ServerThreadMessage, ServerThreadRequest } from './server-thread-messages.js';

const owner = parentPort;
if (owner === null) throw new Error('websocket-server-worker must run in a worker thread.');

const settings = (workerData as { settings: DimServerSettings }).settings;
const objects: ObjectTable = new Map();

function post(message: ServerThreadMessage, transfer: ArrayBuffer[] = []): void {
  owner?.postMessage(message, transfer);
}

try {
  const server = await startWebsocketServer(settings, objects);
  owner.on('message', (request: ServerThreadRequest) => {
    switch (request.op) {
      case 'put':
        objects.set(request.id, request.data);
        post({ type: 'reply', rid: request.rid });
        break;
      case 'get': {
        const found = objects.get(request.id);
        const data = found === undefined ? null : transferableCopy(found);
        const transfer = data === null ? [] : [data.buffer as ArrayBuffer];
        post({ type: 'reply', rid: request.rid, data }, transfer);
        break;
      }
      case 'exists':
        post({ type: 'reply', rid: request.rid, exists: objects.has(request.id) });
        break;
      case 'evict':
        objects.delete(request.id);
        post({ type: 'reply', rid: request.rid });
        break;
      case 'stop':
        void server.close().then(() => {
          objects.clear();
          post({ type: 'stopped' });
          owner.close();
        });
        break;
    }
  });
  post({ type: 'listening', port: server.port });
} catch (error) {
  const code = (error as { code?: unknown }).code;
  post({
    type: 'failed',
    message: (error as Error).message,
    code: typeof code === 'string' ? code : undefined,
  });
  owner.close();
}
