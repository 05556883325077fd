/**
 * A tour of the core API: stores, proxies, references and resolution.
 * Run: node --import tsx examples/quickstart.ts
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import {
  extract,
  FileStore,
  isProxy,
  isResolved,
  LocalStore,
  resolve,
  reviveProxies,
} from 'proxystore';

// A store in process memory: put and get by key.
const local = new LocalStore('tour-local');
const key = await local.put({ answer: 42 });
console.log('get by key:', await local.get(key));

// A store in a directory that other processes can read.
const dir = mkdtempSync(join(tmpdir(), 'proxystore-tour-'));
const store = new FileStore('tour', { storeDir: dir, register: true });

// A proxy acts as the object: here it starts resolved (populateTarget).
const rows = await store.proxy([
  { city: 'Chicago', temp: 21 },
  { city: 'Lyon', temp: 17 },
]);
console.log('proxy works as an array:', Array.isArray(rows), rows.length, rows[1]?.city);

// What travels is a small reference, never the data.
const text = JSON.stringify({ task: 'mean-temp', rows });
console.log('message sent:', text.length, 'bytes');

// The receiver (any process that can read the directory) revives the proxy.
const message = JSON.parse(text, reviveProxies) as { rows: typeof rows };
console.log('revived:', isProxy(message.rows), 'resolved yet:', isResolved(message.rows));

// Async code resolves without blocking the event loop...
await resolve(message.rows);
const mean = message.rows.reduce((sum, r) => sum + r.temp, 0) / message.rows.length;
console.log('mean temperature:', mean);

// ...and extract() hands the real object to APIs that check internal slots.
console.log('extracted is a plain array:', !isProxy(extract(message.rows)));

await store.close({ clear: true });
rmSync(dir, { recursive: true, force: true });
