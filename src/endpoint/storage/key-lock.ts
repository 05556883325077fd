/**
 * Runs async work one at a time per key, so that a write, an evict and a
 * spill of the same key never interleave. Work on different keys runs
 * concurrently. Nothing is held once a key's queue is empty.
 */
export class KeyLock {
  readonly #tails = new Map<string, Promise<unknown>>();

  /** Runs `fn` after every earlier task of `key` has settled. */
  async run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.#tails.get(key) ?? Promise.resolve();
    const task = previous.then(fn);
    const tail = task.then(
      () => undefined,
      () => undefined,
    );
    this.#tails.set(key, tail);

    try {
      return await task;
    } finally {
      if (this.#tails.get(key) === tail) this.#tails.delete(key);
    }
  }
}
