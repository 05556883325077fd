import { InvalidArgumentError, type ProxyResolveError } from '../errors.js';
import { isFactory, SimpleFactory, type Factory } from './factory.js';
import { LazyHandler } from './handler.js';
import {
  DEFAULT_PROXY_KIND,
  isProxyKind,
  kindOf,
  setRecordedKindOf,
  type ProxyKind,
} from './kind.js';
import { makeShell } from './shell.js';
import { ProxyState, registerState, stateOf } from './state.js';

setRecordedKindOf((value) => stateOf(value)?.kind);

/** Options of {@link createProxy}. */
export interface CreateProxyOptions<T> {
  /**
   * The target's kind, which fixes the proxy's `typeof`, callability and
   * `Array.isArray`. @defaultValue `kindOf(target)` when a target is given,
   * else {@link DEFAULT_PROXY_KIND} ('object')
   */
  kind?: ProxyKind | undefined;
  /**
   * Start resolved with this target (upstream's `populate_target`): the
   * factory is called only if the proxy is later unresolved. The proxy's
   * reference still carries only the factory.
   */
  target?: T;
}

/**
 * Makes a transparent lazy proxy: it looks and behaves like the value the
 * factory produces, and calls the factory the first time it is used.
 *
 * ```ts
 * const p = createProxy(() => loadBigTable());   // nothing loaded yet
 * p.rows.length;                                  // loads, synchronously
 * await resolve(q);                               // or load without blocking
 * ```
 *
 * @param factory - a {@link Factory}, or a function (wrapped in a
 * {@link SimpleFactory}).
 * @param options - see {@link CreateProxyOptions}.
 * @returns the proxy, typed as its target.
 * @throws {@link InvalidArgumentError} when `factory` is neither, or `kind`
 * is not a {@link ProxyKind}.
 *
 * @remarks
 * What a proxy cannot hide, by design of JavaScript Proxies:
 * - `typeof`, callability and `Array.isArray` come from the kind, fixed at
 *   creation (a kind that does not match the target still works, but JSON
 *   and `Array.isArray` follow the shell). `typeof` of a proxied string,
 *   number or bigint is 'object', and such a proxy is never `===` the
 *   primitive (it converts with `Symbol.toPrimitive`, so `p + 1`, `${p}`
 *   and `p < 2` work).
 * - Checks of internal slots see a Proxy, not the target: `Buffer.concat`,
 *   `structuredClone`, `v8.serialize`, `postMessage`, `util.types.*`,
 *   `ArrayBuffer.isView`, `TextDecoder.decode`, `fs.writeFileSync` and
 *   `Map.prototype.get.call(p, k)` need `extract(p)`. (`instanceof`, and so
 *   `Buffer.isBuffer(p)`, do work, answered from the kind without I/O for
 *   built-in kinds; `Object.prototype.toString.call(p)` of a Date proxy is
 *   `[object Object]`.)
 * - A target that is `null` or `undefined` (a factory may return one, for
 *   example `proxyFromKey` of a stored `null`) reads as an empty object:
 *   `p.x` is `undefined` rather than a TypeError, and `String(p)` is
 *   `'null'`. `extract(p)` gives the `null` itself.
 * - Before resolving, the 'object' and 'array' kinds report
 *   `Object.prototype` / `Array.prototype`; a null-prototype object or an
 *   Array subclass reports its own prototype once resolved.
 * - `#x in p` is false, and `Class.prototype.m.call(p)` throws, because the
 *   proxy is not the branded object; `p.m()` works, with `this` = target.
 * - Methods read through the proxy are bound to the target: `p.f === p.f`,
 *   but `p.f !== extract(p).f` and `p.f.name` is `'bound f'`.
 * - `await p` gives `p` itself (unless the kind is 'thenable'), see the
 *   probe keys in `probe-keys.ts`; `util.inspect` of an unresolved proxy
 *   prints `Proxy<unresolved kind=... factory=...>` without I/O.
 * - The first use resolves synchronously, which blocks the thread while the
 *   factory fetches; use `await resolve(p)` in async code. A failed resolve
 *   throws a `ProxyResolveError` and is not cached: the next use retries.
 * - Every trap costs tens of nanoseconds: hot loops should use `extract(p)`
 *   once and work on the target.
 */
export function createProxy<T>(
  factory: Factory<T> | (() => T),
  options: CreateProxyOptions<T> = {},
): T {
  const resolvedFactory = toFactory(factory);
  const hasTarget = Object.hasOwn(options, 'target');

  const kind =
    options.kind ?? (hasTarget ? kindOf(options.target) : DEFAULT_PROXY_KIND);
  if (!isProxyKind(kind)) {
    throw InvalidArgumentError.format(
      'kind',
      kind,
      'a proxy kind is one of object, instance, array, function, class, map, ' +
        'set, date, buffer, arraybuffer, thenable, string, number, bigint ' +
        'or a typed array name',
    );
  }

  const shell = makeShell(kind);
  const state = new ProxyState<T>(resolvedFactory, kind, shell);
  state.proxy = new Proxy(shell, new LazyHandler(state as ProxyState));
  registerState(state as ProxyState);

  if (hasTarget) state.setTarget(options.target as T);
  return state.proxy as T;
}

function toFactory<T>(factory: Factory<T> | (() => T)): Factory<T> {
  if (typeof factory === 'function') return new SimpleFactory(factory);
  if (isFactory(factory)) return factory as Factory<T>;

  throw InvalidArgumentError.format(
    'factory',
    factory,
    'createProxy() takes a Factory (with resolveSync() and resolve()) or a ' +
      'function returning the target',
  );
}

/** Whether a value is a proxy made by this library. No I/O. */
export function isProxy(value: unknown): boolean {
  return stateOf(value) !== undefined;
}

/**
 * Whether a value can stand behind a proxy: false for `null`, `undefined`,
 * booleans and symbols, whose identity a proxy cannot keep (the store raises
 * `NonProxiableTypeError` for them), true for everything else.
 */
export function isProxiable(value: unknown): boolean {
  if (value === null || value === undefined) return false;

  const type = typeof value;
  return type !== 'boolean' && type !== 'symbol';
}

/** Whether a proxy holds its target (no I/O). */
export function isResolved(proxy: unknown): boolean {
  return stateFor(proxy, 'isResolved').resolved;
}

/**
 * The target of a proxy, resolving it synchronously if needed; any other
 * value is returned as is. Pass the result to APIs that check internal slots
 * (`Buffer.concat`, `structuredClone`, ...).
 *
 * @throws `ProxyResolveError` when the factory fails.
 */
export function extract<T>(proxy: T): T {
  const state = stateOf(proxy);

  return state === undefined ? proxy : (state.resolveSync() as T);
}

/**
 * Resolves a proxy without blocking the event loop, through the factory's
 * async `resolve()` (never the synchronous path). Concurrent calls share one
 * in-flight fetch; afterwards every access is local.
 *
 * @throws `ProxyResolveError` (rejection) when the factory fails; the next
 * access or call retries.
 */
export function resolve(proxy: unknown): Promise<void> {
  try {
    return stateFor(proxy, 'resolve').startResolve();
  } catch (error) {
    return Promise.reject(error as Error);
  }
}

/**
 * Starts resolving a proxy in the background (upstream's `resolve_async`)
 * and returns at once; the target is set when the fetch settles.
 *
 * A failure is not reported as an unhandled rejection: it is kept, and the
 * next access to the proxy throws it (wrapped in `ProxyResolveError`); the
 * access after that retries. An access made while the fetch is still in
 * flight does not wait for it: it resolves synchronously on its own, and the
 * late background result is then dropped.
 */
export function resolveAsync(proxy: unknown): void {
  const state = stateFor(proxy, 'resolveAsync');
  if (state.resolved) return;

  state.startResolve().catch((error: ProxyResolveError) => {
    if (!state.resolved) state.pendingError = error;
  });
}

/** The factory of a proxy (no I/O). */
export function getFactory<T>(proxy: T): Factory<T> {
  return stateFor(proxy, 'getFactory').factory as Factory<T>;
}

/** The kind recorded for a proxy when it was made (no I/O). */
export function getProxyKind(proxy: unknown): ProxyKind {
  return stateFor(proxy, 'getProxyKind').kind;
}

/**
 * Drops a proxy's target, as upstream's `del proxy.__wrapped__`: the next
 * access calls the factory again. Internal helper for the store.
 *
 * TODO(proxy): properties already mirrored onto the shell (non-configurable
 * ones, or all of them after `Object.freeze(p)`) stay; a new target whose
 * non-configurable properties differ then breaks a Proxy invariant (a
 * TypeError on access). Do not unresolve frozen proxies.
 */
export function unresolveProxy(proxy: unknown): void {
  stateFor(proxy, 'unresolveProxy').unresolve();
}

function stateFor(proxy: unknown, method: string): ProxyState {
  const state = stateOf(proxy);
  if (state !== undefined) return state;

  throw InvalidArgumentError.format(
    'proxy',
    proxy,
    `${method}() takes a proxy made by createProxy() or store.proxy(); ` +
      'check isProxy(value) first',
  );
}
