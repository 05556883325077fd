/**
 * Job payloads by reference: a tiny pattern for job queues (BullMQ, Bee,
 * plain Redis lists). The producer stores the large parts of a job's data
 * once and enqueues small references; the worker revives them into proxies
 * that fetch straight from the store; the objects are evicted only after the
 * job succeeded, so a retried job still finds them.
 *
 * @example
 * ```ts
 * // producer
 * await queue.add('render', await proxyJobData(store, { frame, meta }));
 * // worker
 * new Worker('q', async (job) => render(reviveJobData(job.data)));
 * worker.on('completed', (job) => evictJobData(job.data));
 * ```
 */
import { getFactory, isProxy } from '../proxy/index.js';
import { proxiesToReferences, reviveProxies } from '../serialize/index.js';
import type { Store } from '../store/store.js';
import { StoreFactory } from '../store/store-factory.js';

/** Options of {@link proxyJobData}. */
export interface ProxyJobDataOptions {
  /**
   * Binary values (Buffer, typed arrays, DataView) of at least this many
   * bytes are stored and replaced by references; smaller ones stay inline.
   * @defaultValue 65536
   */
  minBytes?: number | undefined;
}

export const DEFAULT_JOB_MIN_BYTES = 64 * 1024;

/**
 * Returns `data` as JSON-safe job data: binary values of `minBytes` or more
 * (in plain objects and arrays, at any depth) are put in `store` in one
 * batch and replaced by references, as are proxies already in `data`.
 * Nothing else is copied or stored.
 */
export async function proxyJobData(
  store: Store,
  data: unknown,
  options: ProxyJobDataOptions = {},
): Promise<unknown> {
  const minBytes = options.minBytes ?? DEFAULT_JOB_MIN_BYTES;
  const found = new Set<ArrayBufferView>();
  collect(data, (value) => {
    if (ArrayBuffer.isView(value) && value.byteLength >= minBytes) found.add(value);
  });
  const large = [...found];

  const proxies = await store.proxyBatch(large, { populateTarget: false });
  const byValue = new Map<unknown, unknown>(large.map((v, i) => [v, proxies[i]]));

  const replaced = rebuild(data, (value) => byValue.get(value));
  return proxiesToReferences(replaced);
}

/** Turns the references in job data back into proxies (no I/O until used). */
export function reviveJobData<T = unknown>(data: unknown): T {
  return reviveProxies(data) as T;
}

/**
 * Evicts every store object referenced in job data; call it once the job
 * succeeded (for example in BullMQ's `'completed'` handler). Returns how many
 * references it evicted.
 */
export async function evictJobData(data: unknown): Promise<number> {
  const factories: StoreFactory[] = [];
  collect(reviveProxies(data), (value) => {
    if (!isProxy(value)) return;
    const factory = getFactory(value);
    if (factory instanceof StoreFactory) factories.push(factory);
  });

  await Promise.all(factories.map((f) => f.getStore().evict(f.key)));
  return factories.length;
}

/** Whether a value is a plain object or array (the containers we walk). */
function isContainer(value: unknown): value is Record<string, unknown> | unknown[] {
  if (typeof value !== 'object' || value === null || isProxy(value)) return false;
  if (Array.isArray(value)) return true;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

/** Calls `visit` on every value inside plain objects and arrays. */
function collect(
  value: unknown,
  visit: (value: unknown) => void,
  seen = new Set<object>(),
): void {
  visit(value);
  if (!isContainer(value) || seen.has(value)) return;

  seen.add(value);
  for (const item of Object.values(value)) collect(item, visit, seen);
}

/**
 * Copies the containers on the way to replaced values; the rest is kept.
 * A cycle is left as it is (job data must be JSON anyway).
 */
function rebuild(
  value: unknown,
  replace: (value: unknown) => unknown,
  path = new Set<object>(),
): unknown {
  const replacement = replace(value);
  if (replacement !== undefined) return replacement;
  if (!isContainer(value) || path.has(value)) return value;

  path.add(value);
  const copy: Record<string, unknown> | unknown[] = Array.isArray(value) ? [] : {};
  for (const [name, item] of Object.entries(value)) {
    (copy as Record<string, unknown>)[name] = rebuild(item, replace, path);
  }
  path.delete(value);
  return copy;
}
