/**
 * Passing proxies to a worker thread. A raw `postMessage(proxy)` throws (a
 * structured clone cannot see through a Proxy), so send it with
 * `postMessageWithProxies` and revive it on the other side.
 * Run: node --import tsx examples/worker-threads.ts
 */
import { isMainThread, parentPort, Worker } from 'node:worker_threads';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { FileStore, postMessageWithProxies, reviveProxies } from 'proxystore';

/**
 * Compiled to JS, `new Worker(url)` is all it takes. This example runs from its
 * .ts source, and on Node 20 tsx's hooks do not reach worker threads, so the
 * worker registers tsx before importing this file.
 */
function startWorker(url: URL): Worker {
  if (!url.pathname.endsWith('.ts')) return new Worker(url);
  const tsx = JSON.stringify(import.meta.resolve('tsx/esm/api'));
  const code = `import(${tsx}).then((api) => { api.register(); return import(${JSON.stringify(url.href)}); });`;
  return new Worker(code, { eval: true });
}

if (isMainThread) {
  const dir = mkdtempSync(join(tmpdir(), 'proxystore-threads-'));
  const store = new FileStore('threads', { storeDir: dir });
  const samples = await store.proxy(Float64Array.from({ length: 1e6 }, (_, i) => i % 10));

  const worker = startWorker(new URL(import.meta.url));
  const answer = new Promise<number>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  postMessageWithProxies(worker, { samples });
  console.log('sum computed in the worker:', await answer);

  await worker.terminate();
  await store.close({ clear: true });
  rmSync(dir, { recursive: true, force: true });
} else {
  parentPort?.once('message', (message: unknown) => {
    const { samples } = reviveProxies(message) as { samples: Float64Array };
    let sum = 0;
    for (const x of samples) sum += x; // the proxy resolves here, from the file
    parentPort?.postMessage(sum);
  });
}
