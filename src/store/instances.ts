import type { Connector } from '../connectors/connector.js';
import { stableStringify, type JsonValue } from '../utils/json.js';

/**
 * Every open Store instance of this thread, by name, held weakly.
 *
 * One store can have several instances in a process: the one the
 * application made, and one rebuilt from its config by a proxy that resolves
 * here (the registry holds only registered stores, and `register` is off by
 * default). Each instance has its own cache, so an evict through one must
 * reach the caches of the others, or they keep serving the evicted object.
 */
interface Instance {
  readonly name: string;
  readonly connector: Connector;
}

const open = new Map<string, Set<WeakRef<Instance>>>();

/** Drops the entry of an instance that was collected without close(). */
const collected = new FinalizationRegistry<{
  name: string;
  ref: WeakRef<Instance>;
}>(({ name, ref }) => {
  const set = open.get(name);
  set?.delete(ref);
  if (set?.size === 0) open.delete(name);
});

/** Records an open instance. */
export function trackInstance(store: Instance): void {
  let set = open.get(store.name);
  if (set === undefined) {
    set = new Set();
    open.set(store.name, set);
  }
  const ref = new WeakRef(store);
  set.add(ref);
  collected.register(store, { name: store.name, ref }, ref);
}

/** Forgets an instance (on close). */
export function untrackInstance(store: Instance): void {
  const set = open.get(store.name);
  if (set === undefined) return;

  for (const ref of set) {
    const other = ref.deref();
    if (other === undefined || other === store) {
      set.delete(ref);
      collected.unregister(ref);
    }
  }
  if (set.size === 0) open.delete(store.name);
}

/**
 * The other open instances of the same store as `store`: same name and an
 * equal connector config (the same backend). Instances that were garbage
 * collected are dropped on the way.
 */
export function siblingsOf<T extends Instance>(store: T): T[] {
  const set = open.get(store.name);
  if (set === undefined || set.size < 2) return [];

  const backend = backendOf(store);
  if (backend === '') return [];

  const siblings: T[] = [];
  for (const ref of set) {
    const other = ref.deref();
    if (other === undefined) {
      set.delete(ref);
    } else if (other !== store && backendOf(other) === backend) {
      siblings.push(other as T);
    }
  }
  return siblings;
}

/** The connector config as a stable string ('' when it cannot be read). */
function backendOf(store: Instance): string {
  try {
    return stableStringify(store.connector.config() as unknown as JsonValue);
  } catch {
    return '';
  }
}
