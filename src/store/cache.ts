import { InvalidArgumentError } from '../errors.js';

/**
 * A least-recently-used cache of deserialized values. A size of 0 disables it.
 * `get` distinguishes a cached `undefined` or `null` from a miss through
 * {@link LRUCache.has}, so stored `null` values are cached like any other.
 */
export class LRUCache<K, V> {
  readonly maxSize: number;
  hits = 0;
  misses = 0;
  readonly #entries = new Map<K, V>();

  constructor(maxSize = 16) {
    if (!Number.isInteger(maxSize) || maxSize < 0) {
      throw InvalidArgumentError.format(
        'cacheSize',
        maxSize,
        'the cache size must be a whole number >= 0 (0 disables the cache)',
      );
    }
    this.maxSize = maxSize;
  }

  get size(): number {
    return this.#entries.size;
  }

  has(key: K): boolean {
    return this.#entries.has(key);
  }

  /** Returns the value and marks it most recently used; counts a hit or a miss. */
  get(key: K): { value: V } | undefined {
    if (!this.#entries.has(key)) {
      this.misses += 1;
      return undefined;
    }
    const value = this.#entries.get(key) as V;
    this.#entries.delete(key);
    this.#entries.set(key, value);
    this.hits += 1;
    return { value };
  }

  set(key: K, value: V): void {
    if (this.maxSize === 0) return;

    this.#entries.delete(key);
    this.#entries.set(key, value);

    while (this.#entries.size > this.maxSize) {
      const oldest = this.#entries.keys().next();
      if (oldest.done === true) break;
      this.#entries.delete(oldest.value);
    }
  }

  evict(key: K): void {
    this.#entries.delete(key);
  }

  clear(): void {
    this.#entries.clear();
  }
}
