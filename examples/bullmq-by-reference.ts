/**
 * Job payloads by reference with BullMQ.
 *
 * A producer enqueues jobs that each carry a large Buffer. By value, the bytes
 * ride inside the job (BullMQ stores job data as JSON, so they go base64 and
 * stay in Redis with the finished job). By reference, the producer puts the
 * bytes in a RedisStore once and enqueues a small reference; the worker
 * revives it and fetches the bytes straight from the store; the object is
 * evicted when the job has completed.
 *
 *   REDIS_URL=redis://127.0.0.1:6379 node --import tsx examples/bullmq-by-reference.ts
 *
 * Uses (and cleans up after) its own queue name; it never flushes the server.
 */
import { createHash, randomBytes } from 'node:crypto';
import { pathToFileURL } from 'node:url';

import { Queue, type Job, Worker } from 'bullmq';
import { Redis } from 'ioredis';

import { extract, resolve } from 'proxystore';
import {
  RedisStore,
  evictJobData,
  proxyJobData,
  reviveJobData,
} from 'proxystore/redis';

/** What one run does. */
export interface QueueRunOptions {
  /** The Redis server for both the queue and the store. */
  redisUrl: string;
  /** Number of jobs. */
  jobs: number;
  /** Bytes of the payload of each job. */
  payloadBytes: number;
  /** Pass payloads by reference (true) or by value (false). */
  byReference: boolean;
  /** Worker concurrency. @defaultValue 4 */
  concurrency?: number | undefined;
  /** Give up after this long. @defaultValue 120000 */
  timeoutMs?: number | undefined;
}

/** What one run measured. */
export interface QueueRunResult {
  /** From the first `add` to the last completion. */
  elapsedMs: number;
  /** Jobs whose worker saw the payload's exact digest. */
  verified: number;
  /** Redis `used_memory` after all jobs completed (bytes). */
  usedMemoryAfter: number;
  /** Store objects left after completion (0: all evicted). */
  storeObjectsLeft: number;
  /** Largest `data` field of a finished job hash, in bytes. */
  largestJobData: number;
}

interface JobData {
  payload: Buffer | string;
  digest: string;
}

function digest(bytes: Uint8Array): string {
  return createHash('sha1').update(bytes).digest('hex');
}

/** Runs producer and worker in this process and cleans the queue up after. */
export async function runJobs(options: QueueRunOptions): Promise<QueueRunResult> {
  const url = new URL(options.redisUrl);
  const connection = {
    host: url.hostname,
    port: Number(url.port || 6379),
    maxRetriesPerRequest: null,
  };
  const queueName = `by-${options.byReference ? 'ref' : 'value'}-${Date.now()}`;
  const store = new RedisStore(`jobs-${queueName}`, { url: options.redisUrl });
  const queue = new Queue<unknown>(queueName, { connection });
  const admin = new Redis(options.redisUrl);

  let verified = 0;
  let completed = 0;
  let finish: () => void = () => undefined;
  let fail: (error: Error) => void = () => undefined;
  const allDone = new Promise<void>((resolveAll, rejectAll) => {
    finish = resolveAll;
    fail = rejectAll;
  });

  const worker = new Worker<unknown>(
    queueName,
    async (job: Job<unknown>) => {
      const data = reviveJobData<JobData>(job.data);
      let payload: Buffer;
      if (options.byReference) {
        // Fetch without blocking the event loop, then take the real Buffer.
        await resolve(data.payload);
        payload = extract(data.payload as Buffer);
      } else {
        payload = Buffer.from(data.payload as string, 'base64');
      }
      if (digest(payload) === data.digest) verified += 1;
    },
    { connection, concurrency: options.concurrency ?? 4 },
  );

  // Evict only once the job succeeded: a retried job must still find its data.
  worker.on('completed', (job) => {
    const evicted = options.byReference ? evictJobData(job.data) : Promise.resolve(0);
    void evicted.finally(() => {
      completed += 1;
      if (completed === options.jobs) finish();
    });
  });

  // A failed job keeps its stored objects (it may be retried); here it ends the run.
  worker.on('failed', (job, error) => {
    fail(new Error(`job ${job?.id} failed: ${error.message}`, { cause: error }));
  });

  const timeout = options.timeoutMs ?? 120_000;
  let timer: NodeJS.Timeout | undefined;
  try {
    await worker.waitUntilReady();
    const started = performance.now();

    for (let i = 0; i < options.jobs; i += 1) {
      const payload = randomBytes(options.payloadBytes);
      const data = { payload, digest: digest(payload) };
      const jobData = options.byReference
        ? await proxyJobData(store, data)
        : { ...data, payload: payload.toString('base64') };
      await queue.add('checksum', jobData);
    }

    await Promise.race([
      allDone,
      new Promise((_, reject) => {
        const late = (): void => reject(new Error(`jobs not done in ${timeout} ms`));
        timer = setTimeout(late, timeout);
      }),
    ]);
    const elapsedMs = performance.now() - started;

    const info = await admin.info('memory');
    const usedMemoryAfter = Number(/used_memory:(\d+)/.exec(info)?.[1] ?? Number.NaN);
    const largestJobData = await largestDataField(admin, queueName);
    const storeObjectsLeft = await countStoreObjects(admin);
    return { elapsedMs, verified, usedMemoryAfter, storeObjectsLeft, largestJobData };
  } finally {
    clearTimeout(timer);
    await worker.close();
    await queue.obliterate({ force: true }).catch(() => undefined);
    await queue.close();
    await store.close({ clear: true });
    admin.disconnect();
  }
}

/** The size of the biggest `data` field among the queue's job hashes. */
async function largestDataField(admin: Redis, queueName: string): Promise<number> {
  let largest = 0;
  let cursor = '0';
  do {
    const pattern = `bull:${queueName}:*`;
    const [next, keys] = await admin.scan(cursor, 'MATCH', pattern, 'COUNT', 500);
    cursor = next;
    for (const key of keys) {
      if ((await admin.type(key)) !== 'hash') continue;
      largest = Math.max(largest, (await admin.hstrlen(key, 'data')) ?? 0);
    }
  } while (cursor !== '0');
  return largest;
}

/** Keys named like a bare uuid: what a RedisStore with no prefix wrote. */
async function countStoreObjects(admin: Redis): Promise<number> {
  const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
  let count = 0;
  let cursor = '0';
  do {
    const [next, keys] = await admin.scan(cursor, 'COUNT', 500);
    cursor = next;
    count += keys.filter((k) => uuid.test(k)).length;
  } while (cursor !== '0');
  return count;
}

async function main(): Promise<void> {
  const redisUrl = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379';
  const runs = { jobs: 20, payloadBytes: 1024 * 1024, redisUrl };

  for (const byReference of [false, true]) {
    const r = await runJobs({ ...runs, byReference });
    const mode = byReference ? 'by reference' : 'by value';
    process.stdout.write(
      `${mode.padEnd(13)} ${r.verified}/${runs.jobs} verified, ` +
        `${r.elapsedMs.toFixed(0)} ms, largest job data ${r.largestJobData} B, ` +
        `used_memory after ${(r.usedMemoryAfter / 1e6).toFixed(1)} MB\n`,
    );
  }
}

const script = process.argv[1];
if (script !== undefined && import.meta.url === pathToFileURL(script).href) {
  await main();
}
