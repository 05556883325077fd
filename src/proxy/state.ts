import { ProxyResolveError } from '../errors.js';
import { logger } from '../utils/debug.js';
import type { Factory } from './factory.js';
import { isClass, type ProxyKind } from './kind.js';

const log = logger('proxy');

/** A method read through the proxy, bound once to the target. */
interface BoundEntry {
  readonly fn: Function;
  readonly bound: Function;
}

/**
 * Everything one proxy knows: its factory, kind and shell, and, once
 * resolved, its target. The handler, the helpers (`extract`, `resolve`, ...)
 * and `util.inspect` all read the proxy through this object.
 *
 * A failed resolve is never cached: the error is remembered only for
 * `util.inspect` (and, for {@link ProxyState.startResolve} run in the
 * background, thrown once by the next access), and the next access calls the
 * factory again.
 */
export class ProxyState<T = unknown> {
  readonly factory: Factory<T>;
  readonly kind: ProxyKind;
  /** The Proxy's own target: an object, array or bound function. */
  readonly shell: object;
  /** The Proxy itself (set right after construction). */
  proxy: object;
  resolved = false;
  target: T | undefined = undefined;
  /** The last resolve failure, wrapped, for `util.inspect`. */
  lastError: ProxyResolveError | undefined = undefined;
  /** Message of the factory's own error behind {@link lastError}. */
  lastErrorMessage = '';
  /** A background resolve's failure, thrown by the next access. */
  pendingError: ProxyResolveError | undefined = undefined;
  inflight: Promise<void> | undefined = undefined;

  #resolving = false;
  #box: object | undefined = undefined;
  #bound: Map<PropertyKey, BoundEntry> | undefined = undefined;
  #valueFn: (() => T) | undefined = undefined;
  #toJson: (() => unknown) | undefined = undefined;

  constructor(factory: Factory<T>, kind: ProxyKind, shell: object) {
    this.factory = factory;
    this.kind = kind;
    this.shell = shell;
    this.proxy = shell;
  }

  /** Name of the factory's class, for messages and `util.inspect`. */
  get factoryName(): string {
    const ctor = (this.factory as { constructor?: { name?: unknown } })
      .constructor;
    const name = ctor?.name;

    return typeof name === 'string' && name !== '' ? name : 'Factory';
  }

  /**
   * Returns the target, calling the factory synchronously if needed.
   *
   * @throws {@link ProxyResolveError} when the factory throws (or a
   * background resolve failed since the last access).
   */
  resolveSync(): T {
    if (this.resolved) return this.target as T;

    const pending = this.pendingError;
    if (pending !== undefined) {
      this.pendingError = undefined;
      throw pending;
    }

    if (this.#resolving) {
      throw new ProxyResolveError(
        `Proxy of kind '${this.kind}' was used by its own factory ` +
          `(${this.factoryName}) while resolving. A factory must not touch ` +
          'the proxy it resolves.',
      );
    }

    const started = log.enabled ? performance.now() : 0;
    this.#resolving = true;
    let value: T;
    try {
      value = this.factory.resolveSync();
    } catch (error) {
      throw this.#fail(error, 'resolveSync');
    } finally {
      this.#resolving = false;
    }

    this.setTarget(value);
    if (log.enabled) {
      const ms = (performance.now() - started).toFixed(3);
      const name = this.factoryName;
      log('resolved sync kind=%s factory=%s %sms', this.kind, name, ms);
    }
    return value;
  }

  /**
   * Starts (or joins) an async resolve through `factory.resolve()`. Calls
   * made while one is in flight share its promise.
   *
   * @returns a promise that settles when the target is set; it rejects with
   * a {@link ProxyResolveError}.
   */
  startResolve(): Promise<void> {
    if (this.resolved) return Promise.resolve();
    if (this.inflight !== undefined) return this.inflight;

    this.pendingError = undefined;
    const promise = this.#fetch();
    this.inflight = promise;

    const clear = (): void => {
      if (this.inflight === promise) this.inflight = undefined;
    };
    promise.then(clear, clear);
    return promise;
  }

  async #fetch(): Promise<void> {
    let value: T;
    try {
      value = await this.factory.resolve();
    } catch (error) {
      // A sync access may have resolved the proxy meanwhile: keep its target.
      if (this.resolved) return;
      throw this.#fail(error, 'resolve');
    }

    if (this.resolved) return;
    this.setTarget(value);
    log('resolved async kind=%s factory=%s', this.kind, this.factoryName);
  }

  /** Sets the target: the proxy is resolved from now on. */
  setTarget(value: T): void {
    this.target = value;
    this.resolved = true;
    this.lastError = undefined;
    this.lastErrorMessage = '';
    this.pendingError = undefined;
    this.#box = undefined;
    this.#bound = undefined;
    this.#valueFn = undefined;
  }

  /** Drops the target; the next access calls the factory again. */
  unresolve(): void {
    this.target = undefined;
    this.resolved = false;
    this.#box = undefined;
    this.#bound = undefined;
    this.#valueFn = undefined;
  }

  /**
   * The target as an object: itself, or for a primitive target (string,
   * number, bigint, ...) a wrapper object made once per resolution.
   */
  object(): object {
    const value = this.resolveSync();
    if (isObjectLike(value)) return value;

    this.#box ??= Object(value) as object;
    return this.#box;
  }

  /**
   * `fn` bound to `owner`, cached per property so that `p.f === p.f`. The
   * cache entry is replaced when the property's value changes. Classes are
   * returned as is: they cannot be called without `new`, which ignores
   * `this`, and keeping them unbound keeps `p.K === K`.
   */
  bound(key: PropertyKey, fn: Function, owner: object): Function {
    this.#bound ??= new Map();
    const entry = this.#bound.get(key);
    if (entry !== undefined && entry.fn === fn) return entry.bound;

    const bound = isClass(fn) ? fn : fn.bind(owner);
    this.#bound.set(key, { fn, bound });
    return bound;
  }

  /**
   * A function returning the (primitive) target, answered for
   * `Symbol.toPrimitive` and `toJSON`; one per resolution.
   */
  valueFn(): () => T {
    const value = this.resolveSync();

    this.#valueFn ??= () => value;
    return this.#valueFn;
  }

  /**
   * The function answered for `toJSON` when the factory has a reference;
   * made once, so `p.toJSON === p.toJSON`.
   */
  toJsonFn(make: () => () => unknown): () => unknown {
    this.#toJson ??= make();
    return this.#toJson;
  }

  #fail(error: unknown, method: string): ProxyResolveError {
    const message = error instanceof Error ? error.message : String(error);
    const wrapped = wrapResolveError(error, this, method);

    this.lastError = wrapped;
    this.lastErrorMessage = message;
    log(
      'resolve failed kind=%s factory=%s: %s',
      this.kind,
      this.factoryName,
      message,
    );
    return wrapped;
  }
}

/**
 * The error a failed resolve throws: the factory's own error when it already
 * is a {@link ProxyResolveError} (for example a missing key), otherwise a
 * ProxyResolveError with the factory's error as `cause`.
 */
export function wrapResolveError(
  error: unknown,
  state: ProxyState,
  method: string,
): ProxyResolveError {
  if (error instanceof ProxyResolveError) return error;

  const shown =
    error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return new ProxyResolveError(
    `Proxy of kind '${state.kind}' could not resolve its target: ` +
      `${state.factoryName}.${method}() threw ${shown}. The failure is not ` +
      'cached; the next access to the proxy calls the factory again.',
    { cause: error },
  );
}

/** Whether a value is an object or function (can be a Proxy target). */
export function isObjectLike(value: unknown): value is object {
  return (
    (typeof value === 'object' && value !== null) || typeof value === 'function'
  );
}

/** Proxy -> state. Membership is what makes a value a proxy. */
const byProxy = new WeakMap<object, ProxyState>();
/** Shell -> state, for `util.inspect`, which sees shells, not proxies. */
const byShell = new WeakMap<object, ProxyState>();

/** Records a new proxy and its shell. */
export function registerState(state: ProxyState): void {
  byProxy.set(state.proxy, state);
  byShell.set(state.shell, state);
}

/** The state of a proxy, or undefined for any other value. No I/O. */
export function stateOf(value: unknown): ProxyState | undefined {
  return isObjectLike(value) ? byProxy.get(value) : undefined;
}

/** The state behind a proxy or its shell (used by `util.inspect`). */
export function stateOfProxyOrShell(value: unknown): ProxyState | undefined {
  if (!isObjectLike(value)) return undefined;

  return byProxy.get(value) ?? byShell.get(value);
}
