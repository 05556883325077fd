/**
 * A deep, copy-on-write replacement walk over plain data (arrays, plain
 * objects, class instances' own enumerable fields, Maps and Sets), with
 * cycles and shared references kept. Containers on a path to a replaced
 * value are copied; everything else is returned as is, so data without
 * anything to replace comes back unchanged and uncopied.
 */

/** Replacer result: keep the value and walk into it. */
export const DESCEND: unique symbol = Symbol('proxystore.walk.descend');
/** Replacer result: keep the value and do not walk into it. */
export const LEAF: unique symbol = Symbol('proxystore.walk.leaf');

/**
 * Decides for one object or function: {@link DESCEND}, {@link LEAF}, or the
 * value to put in its place. Called at most once per distinct object.
 */
export type Replacer = (value: object) => unknown;

type Container = object;

/** Built-ins the walk never enters: they hold no user references. */
const OPAQUE: readonly Function[] = [
  ArrayBuffer,
  DataView,
  Date,
  RegExp,
  Error,
  Promise,
  WeakMap,
  WeakSet,
  Boolean,
  Number,
  String,
  ...(typeof SharedArrayBuffer === 'function' ? [SharedArrayBuffer] : []),
];

/**
 * Returns `root` with every object the replacer replaces swapped for its
 * replacement, copying only the containers that lead to one.
 *
 * @param root - any value; primitives come back unchanged.
 * @param replace - see {@link Replacer}.
 */
export function replaceDeep(root: unknown, replace: Replacer): unknown {
  if (!isObject(root)) return root;

  const walk = new Walk(replace);
  if (!walk.run(root, false)) return root;

  walk.run(root, true);
  return walk.rebuild(root);
}

class Walk {
  readonly #replace: Replacer;
  /** Decision per object, kept across runs: DESCEND, LEAF or a replacement. */
  readonly #decisions = new Map<object, unknown>();
  readonly #parents = new Map<object, Container[]>();
  readonly #hits: Container[] = [];
  #rootReplaced = false;

  constructor(replace: Replacer) {
    this.#replace = replace;
  }

  /**
   * Visits everything reachable from `root`. Without `record` it stops at the
   * first replacement; it returns whether there was one.
   */
  run(root: object, record: boolean): boolean {
    if (this.#decide(root) !== DESCEND) {
      this.#rootReplaced = this.#decisions.get(root) !== LEAF;
      return this.#rootReplaced;
    }

    const visited = new Set<object>([root]);
    const stack: Container[] = [root];
    let found = false;
    while (stack.length > 0) {
      const container = stack.pop() as Container;
      let hit = false;

      for (const child of childrenOf(container)) {
        if (!isObject(child)) continue;

        const decision = this.#decide(child);
        if (record) this.#addParent(child, container);
        if (decision === DESCEND) {
          if (!visited.has(child)) {
            visited.add(child);
            stack.push(child);
          }
        } else if (decision !== LEAF) {
          if (!record) return true;
          hit = true;
        }
      }

      if (hit) {
        this.#hits.push(container);
        found = true;
      }
    }
    return found;
  }

  /** Builds the result after a recording {@link run}. */
  rebuild(root: object): unknown {
    if (this.#rootReplaced) return this.#decisions.get(root);

    const dirty = this.#dirtyContainers();
    const copies = new Map<object, object>();
    for (const container of dirty) copies.set(container, shellOf(container));

    const map = (value: unknown): unknown => {
      if (!isObject(value)) return value;
      const copy = copies.get(value);
      if (copy !== undefined) return copy;
      const decision = this.#decisions.get(value);
      return decision === DESCEND || decision === LEAF ? value : decision;
    };

    for (const [container, copy] of copies) fill(container, copy, map);
    return copies.get(root) ?? root;
  }

  #decide(value: object): unknown {
    if (this.#decisions.has(value)) return this.#decisions.get(value);
    let decision = this.#replace(value);
    if (decision === DESCEND && !isContainer(value)) decision = LEAF;
    this.#decisions.set(value, decision);
    return decision;
  }

  #addParent(child: object, parent: Container): void {
    const list = this.#parents.get(child);
    if (list === undefined) this.#parents.set(child, [parent]);
    else list.push(parent);
  }

  /** The hits and every container from which a hit can be reached. */
  #dirtyContainers(): Set<Container> {
    const dirty = new Set<Container>(this.#hits);
    const queue = [...this.#hits];
    while (queue.length > 0) {
      const item = queue.pop() as Container;
      for (const parent of this.#parents.get(item) ?? []) {
        if (dirty.has(parent)) continue;
        dirty.add(parent);
        queue.push(parent);
      }
    }
    return dirty;
  }
}

function isObject(value: unknown): value is object {
  return (
    (typeof value === 'object' && value !== null) || typeof value === 'function'
  );
}

function isContainer(value: object): boolean {
  if (typeof value === 'function') return false;
  if (Array.isArray(value) || value instanceof Map || value instanceof Set) {
    return true;
  }
  if (ArrayBuffer.isView(value)) return false;
  return !OPAQUE.some((type) => value instanceof type);
}

function* childrenOf(container: Container): Iterable<unknown> {
  if (Array.isArray(container)) {
    for (let i = 0; i < container.length; i++) yield container[i];
  } else if (container instanceof Map) {
    for (const [key, value] of container) {
      yield key;
      yield value;
    }
  } else if (container instanceof Set) {
    yield* container;
  } else {
    const record = container as Record<string, unknown>;
    for (const key of Object.keys(record)) yield record[key];
  }
}

function shellOf(container: Container): object {
  if (Array.isArray(container)) return container.slice();
  if (container instanceof Map) return new Map();
  if (container instanceof Set) return new Set();
  return Object.create(Object.getPrototypeOf(container) as object | null);
}

function fill(
  container: Container,
  copy: object,
  map: (value: unknown) => unknown,
): void {
  if (Array.isArray(container)) {
    const target = copy as unknown[];
    for (let i = 0; i < container.length; i++) {
      if (i in container) target[i] = map(container[i]);
    }
  } else if (container instanceof Map) {
    const target = copy as Map<unknown, unknown>;
    for (const [key, value] of container) target.set(map(key), map(value));
  } else if (container instanceof Set) {
    const target = copy as Set<unknown>;
    for (const value of container) target.add(map(value));
  } else {
    const source = container as Record<string, unknown>;
    for (const key of Object.keys(source)) setOwn(copy, key, map(source[key]));
  }
}

/** Sets an own property, also for the key `__proto__` (never the prototype). */
function setOwn(target: object, key: string, value: unknown): void {
  if (key === '__proto__') {
    Object.defineProperty(target, key, {
      value,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  } else {
    (target as Record<string, unknown>)[key] = value;
  }
}
