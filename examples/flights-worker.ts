/**
 * A worker process of the flights demo. It receives tasks over IPC: either a
 * proxy reference (by reference) or the rows themselves (by value), computes
 * the chunk's statistics and sends them back.
 */
import { reviveProxies } from 'proxystore';

import { chunkStats, type Flight } from './flights-stats.js';

interface Task {
  id: number;
  mode: 'reference' | 'value';
  /** JSON text of the proxy reference (by reference) or of the rows (by value). */
  payload: string;
}

process.on('message', (task: Task) => {
  try {
    // By reference, the parsed payload is a proxy of the rows: it resolves
    // here, on first use inside chunkStats(), reading straight from the store.
    const rows =
      task.mode === 'reference'
        ? (JSON.parse(task.payload, reviveProxies) as Flight[])
        : (JSON.parse(task.payload) as Flight[]);
    process.send?.({ id: task.id, stats: chunkStats(rows) });
  } catch (err) {
    process.send?.({ id: task.id, error: (err as Error).stack ?? String(err) });
  }
});

process.on('disconnect', () => process.exit(0));
process.send?.({ ready: true });
