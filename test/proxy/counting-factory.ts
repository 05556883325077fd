/**
 * A hand-written Factory for proxy tests: counts sync and async resolves,
 * can fail on demand, can hold its async resolve until released, and can
 * have a reference (so its proxies serialize by reference).
 */
import type { Factory, FactoryReference } from '../../src/proxy/factory.js';

export interface CountingFactoryOptions {
  /** Give the factory a `toReference()` returning this. */
  reference?: FactoryReference;
  /** Throw this from the next resolves (cleared with `failWith(undefined)`). */
  error?: unknown;
}

export class CountingFactory<T> implements Factory<T> {
  syncCalls = 0;
  asyncCalls = 0;
  readonly #make: () => T;
  #error: unknown;
  #gate: Promise<void> | undefined;
  #open: (() => void) | undefined;

  constructor(make: () => T, options: CountingFactoryOptions = {}) {
    this.#make = make;
    this.#error = options.error;

    const reference = options.reference;
    if (reference !== undefined) {
      (this as Factory<T>).toReference = () => reference;
    }
  }

  /** Total number of resolves, sync and async. */
  get calls(): number {
    return this.syncCalls + this.asyncCalls;
  }

  /** Makes later resolves throw `error`, or succeed when undefined. */
  failWith(error: unknown): void {
    this.#error = error;
  }

  /** Makes every async resolve wait until {@link release} is called. */
  hold(): void {
    this.#gate = new Promise((open) => {
      this.#open = open;
    });
  }

  release(): void {
    this.#open?.();
    this.#gate = undefined;
  }

  resolveSync(): T {
    this.syncCalls += 1;
    if (this.#error !== undefined) throw this.#error;
    return this.#make();
  }

  async resolve(): Promise<T> {
    this.asyncCalls += 1;
    if (this.#gate !== undefined) await this.#gate;
    if (this.#error !== undefined) throw this.#error;
    return this.#make();
  }
}

/** A reference for factories that must serialize; no real factory type. */
export const TEST_REFERENCE: FactoryReference = { type: 'test', id: 'r1' };
