/**
 * FileStore pass-by-reference vs raw fs, with the consumer in another process:
 *   A (raw): write the bytes with fs.writeFileSync, send the path over IPC,
 *            the child reads them with fs.readFileSync and answers.
 *   B (ours): store.proxy(bytes), send JSON.stringify(proxy) over IPC, the
 *            child revives the proxy and resolves it (implicitly) and answers.
 * Target: B/A <= 1.3 at 1 MiB and above.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { FileStore } from '../../src/index.js';
import { standardSizes, type BenchContext } from '../harness.js';

export const name = 'file';

function ask(child: ChildProcess, msg: unknown): Promise<number> {
  return new Promise((resolve, reject) => {
    child.once('message', (reply: { bytes?: number; error?: string }) => {
      if (reply.error !== undefined) reject(new Error(reply.error));
      else resolve(reply.bytes ?? -1);
    });
    child.send(msg as never);
  });
}

export default async function run(ctx: BenchContext): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'ps-bench-file-'));
  const child = fork(new URL('../helpers/file-consumer.ts', import.meta.url).pathname, [], {
    execArgv: ['--import', 'tsx'],
  });
  await new Promise((r) => child.once('message', r));
  const store = new FileStore('bench-file', { storeDir: join(dir, 'store'), cacheSize: 0 });

  try {
    for (const size of standardSizes(ctx.quick)) {
      const data = randomBytes(size);
      let n = 0;
      await ctx.compare({
        group: 'proxy + reference + resolve in another process vs fs write + read',
        size,
        a: {
          label: 'fs.writeFileSync + readFileSync (child)',
          fn: async () => {
            const path = join(dir, `raw-${n++}`);
            writeFileSync(path, data);
            const got = await ask(child, { raw: path });
            if (got !== size) throw new Error(`raw read ${got} bytes`);
          },
        },
        b: {
          label: 'FileStore proxy, resolve (child)',
          fn: async () => {
            const p = await store.proxy(data);
            const got = await ask(child, { ref: JSON.stringify(p) });
            if (got !== size) throw new Error(`proxy resolved to ${got} bytes`);
          },
        },
        target: size >= 1024 * 1024 ? { max: 1.3 } : {},
      });
      for (let i = 0; i < n; i++) rmSync(join(dir, `raw-${i}`), { force: true });
    }
  } finally {
    child.disconnect();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
