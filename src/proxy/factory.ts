import type { JsonObject } from '../utils/json.js';

/**
 * A JSON-safe description of a factory, from which the factory can be rebuilt
 * in another process. `type` names an entry of the closed factory-type table
 * (see `registerFactoryType` in `serialize/references.ts`); `StoreFactory`
 * uses `'store'`.
 */
export interface FactoryReference extends JsonObject {
  type: string;
}

/**
 * Produces a proxy's target. A proxy calls its factory at most once
 * successfully; a failed resolve is not cached, so the next access retries.
 */
export interface Factory<T = unknown> {
  /**
   * Returns the target synchronously. Called by the first proxy trap that
   * needs the target (implicit resolution).
   */
  resolveSync(): T;
  /** Returns the target without blocking the event loop (`await resolve(p)`). */
  resolve(): Promise<T>;
  /**
   * The factory's reference, when it can travel to another process. A factory
   * without one makes a proxy that serializes by value only.
   */
  toReference?(): FactoryReference;
}

/** Whether a value implements {@link Factory}. */
export function isFactory(value: unknown): value is Factory {
  if (value === null || typeof value !== 'object') return false;
  const f = value as Partial<Factory>;
  return typeof f.resolveSync === 'function' && typeof f.resolve === 'function';
}

/**
 * A factory over a synchronous function, as upstream's `Proxy(factory)` with any
 * callable. `resolve()` calls the same function.
 */
export class SimpleFactory<T> implements Factory<T> {
  readonly #fn: () => T;

  constructor(fn: () => T) {
    this.#fn = fn;
  }

  resolveSync(): T {
    return this.#fn();
  }

  resolve(): Promise<T> {
    return Promise.resolve().then(() => this.#fn());
  }
}
