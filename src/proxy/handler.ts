import { inspect } from 'node:util';

import { inspectShell } from './inspect.js';
import { KIND_PROTOTYPES } from './kind.js';
import { answerProbe, NO_ANSWER } from './probe-keys.js';
import { isObjectLike, type ProxyState } from './state.js';

type Shell = object;

/**
 * The traps of a lazy proxy. One handler per proxy; its state is private, so
 * `util.inspect(p, { showProxy: true })` prints no target data.
 *
 * Rules (see DESIGN section 3):
 * - The first trap that needs the target resolves the proxy synchronously
 *   through {@link ProxyState.resolveSync}; a factory error surfaces as a
 *   `ProxyResolveError`, never as an unrelated TypeError.
 * - Reads use the target as receiver and functions are bound to the target
 *   (cached per property), so Map, Set, Date, typed arrays and `#private`
 *   members work. A primitive target is read through a wrapper object.
 * - Probe keys (`then`, `toJSON`, ...) are answered by `answerProbe()`.
 * - Invariants: every non-configurable property reported is first mirrored
 *   onto the shell; `ownKeys` adds the shell's non-configurable keys; once the
 *   shell is non-extensible (`Object.freeze(p)`, or a non-extensible target
 *   seen by `isExtensible`), it holds a copy of the target's properties and
 *   prototype and answers for them.
 */
export class LazyHandler implements ProxyHandler<Shell> {
  readonly #state: ProxyState;
  /** Whether any property was ever mirrored onto the shell. */
  #mirrored = false;

  constructor(state: ProxyState) {
    this.#state = state;
  }

  get(shell: Shell, key: PropertyKey, receiver: unknown): unknown {
    const state = this.#state;
    if (
      state.resolved &&
      receiver === state.proxy &&
      !this.#mirrored &&
      typeof key === 'string' &&
      key !== 'then' &&
      key !== 'toJSON'
    ) {
      // Fast path (the common read of a resolved proxy): no probe key,
      // no invariant to keep, an object target read as its own receiver.
      const target = state.target;
      if (typeof target === 'object' && target !== null) {
        const value: unknown = (target as Record<string, unknown>)[key];
        if (typeof value !== 'function' || key === 'constructor') return value;
        return state.bound(key, value, target);
      }
    }

    const value = this.#read(key, receiver);

    return this.#mirrored ? keepGetInvariant(shell, key, value) : value;
  }

  #read(key: PropertyKey, receiver: unknown): unknown {
    const state = this.#state;
    const probe = answerProbe(state, key);
    if (probe !== NO_ANSWER) return probe;

    const target = state.resolveSync();
    if (!isObjectLike(target)) {
      if (key === Symbol.toPrimitive || key === 'toJSON') {
        return state.valueFn();
      }
    }

    const owner = state.object();
    const self = receiver === state.proxy;
    const value: unknown = Reflect.get(owner, key, self ? owner : receiver);

    if (typeof value !== 'function' || key === 'constructor' || !self) {
      return value;
    }
    return state.bound(key, value, owner);
  }

  set(
    shell: Shell,
    key: PropertyKey,
    value: unknown,
    receiver: unknown,
  ): boolean {
    const owner = this.#state.object();
    const self = receiver === this.#state.proxy;

    const done = Reflect.set(owner, key, value, self ? owner : receiver);
    if (done && self && !Reflect.isExtensible(shell)) {
      this.#mirror(shell, owner, key);
    }
    return done;
  }

  has(shell: Shell, key: PropertyKey): boolean {
    const owner = this.#state.object();
    if (Reflect.has(owner, key)) return true;

    return shellOnly(shell, key) !== undefined;
  }

  deleteProperty(shell: Shell, key: PropertyKey): boolean {
    const owner = this.#state.object();
    if (!Reflect.deleteProperty(owner, key)) return false;

    const own = Reflect.getOwnPropertyDescriptor(shell, key);
    if (own === undefined) return true;
    return Reflect.deleteProperty(shell, key);
  }

  ownKeys(shell: Shell): ArrayLike<string | symbol> {
    const owner = this.#state.object();
    if (!Reflect.isExtensible(shell)) {
      pruneStale(shell, owner);
      return Reflect.ownKeys(shell);
    }

    const keys = Reflect.ownKeys(owner);
    const extra = Reflect.ownKeys(shell).filter(
      (key) => !Reflect.getOwnPropertyDescriptor(shell, key)?.configurable,
    );
    if (extra.length === 0) return keys;

    const seen = new Set(keys);
    for (const key of extra) if (!seen.has(key)) keys.push(key);
    return keys;
  }

  getOwnPropertyDescriptor(
    shell: Shell,
    key: PropertyKey,
  ): PropertyDescriptor | undefined {
    const owner = this.#state.object();
    const desc = Reflect.getOwnPropertyDescriptor(owner, key);
    if (desc === undefined) return shellOnly(shell, key);

    const own = Reflect.getOwnPropertyDescriptor(shell, key);
    if (own?.configurable === false && desc.configurable !== false) {
      // Only with a kind that does not match the target: an array shell's
      // `length` over a target whose own `length` is configurable (a
      // function). The shell's property must answer; it takes the
      // target's value when it can.
      if ('value' in desc) setShellValue(shell, key, desc.value);
      return Reflect.getOwnPropertyDescriptor(shell, key);
    }

    if (desc.configurable === false || !Reflect.isExtensible(shell)) {
      this.#define(shell, key, desc);
    }
    return desc;
  }

  defineProperty(
    shell: Shell,
    key: PropertyKey,
    desc: PropertyDescriptor,
  ): boolean {
    const owner = this.#state.object();
    if (!Object.hasOwn(owner, key) && shellOnly(shell, key) !== undefined) {
      // A key only the shell has (an array shell's length, the hidden
      // inspect hook of a frozen proxy): it is answered by the shell.
      this.#mirrored = true;
      return Reflect.defineProperty(shell, key, desc);
    }

    if (!Reflect.defineProperty(owner, key, desc)) return false;

    this.#mirror(shell, owner, key);
    return true;
  }

  getPrototypeOf(shell: Shell): object | null {
    if (!Reflect.isExtensible(shell)) return Reflect.getPrototypeOf(shell);

    const state = this.#state;
    const known = KIND_PROTOTYPES[state.kind];
    if (!state.resolved && known !== undefined) return known;

    return Reflect.getPrototypeOf(state.object());
  }

  setPrototypeOf(shell: Shell, proto: object | null): boolean {
    const owner = this.#state.object();
    if (!Reflect.setPrototypeOf(owner, proto)) return false;

    if (Reflect.isExtensible(shell)) return true;
    return Reflect.setPrototypeOf(shell, proto);
  }

  isExtensible(shell: Shell): boolean {
    const owner = this.#state.object();
    if (!Reflect.isExtensible(owner) && Reflect.isExtensible(shell)) {
      this.#seal(shell, owner);
    }

    return Reflect.isExtensible(shell);
  }

  preventExtensions(shell: Shell): boolean {
    const owner = this.#state.object();
    if (!Reflect.preventExtensions(owner)) return false;

    if (Reflect.isExtensible(shell)) this.#seal(shell, owner);
    return true;
  }

  apply(_shell: Shell, thisArg: unknown, args: unknown[]): unknown {
    const target = this.#state.resolveSync();

    return Reflect.apply(target as Function, thisArg, args);
  }

  construct(_shell: Shell, args: unknown[], newTarget: Function): object {
    const target = this.#state.resolveSync() as Function;
    const next = newTarget === this.#state.proxy ? target : newTarget;

    return Reflect.construct(target, args, next) as object;
  }

  /** Copies the target's current descriptor of `key` onto the shell. */
  #mirror(shell: Shell, owner: object, key: PropertyKey): void {
    const desc = Reflect.getOwnPropertyDescriptor(owner, key);
    if (desc === undefined) return;

    if (desc.configurable === false || !Reflect.isExtensible(shell)) {
      this.#define(shell, key, desc);
    }
  }

  #define(shell: Shell, key: PropertyKey, desc: PropertyDescriptor): void {
    this.#mirrored = true;
    Reflect.defineProperty(shell, key, desc);
  }

  /**
   * Makes the shell a non-extensible copy of the (non-extensible) target:
   * same own properties, same prototype, plus the inspect hook as a hidden
   * own key (so `Reflect.ownKeys(p)` of a frozen proxy lists it). From
   * then on the Proxy invariants tie every answer to the shell, so it must
   * hold the truth.
   */
  #seal(shell: Shell, owner: object): void {
    // From now on every read must keep the get invariant (see get()).
    this.#mirrored = true;
    for (const key of Reflect.ownKeys(shell)) {
      if (Reflect.getOwnPropertyDescriptor(owner, key) === undefined) {
        Reflect.deleteProperty(shell, key);
      }
    }

    for (const key of Reflect.ownKeys(owner)) {
      const desc = Reflect.getOwnPropertyDescriptor(owner, key);
      if (desc !== undefined) this.#define(shell, key, desc);
    }

    Reflect.setPrototypeOf(shell, Reflect.getPrototypeOf(owner));
    if (!Object.hasOwn(owner, inspect.custom)) {
      // The prototype no longer carries the inspect hook: keep it visible to
      // Node as a hidden own key (non-enumerable, so spread and JSON skip it).
      Reflect.defineProperty(shell, inspect.custom, {
        value: inspectShell,
        writable: false,
        enumerable: false,
        configurable: false,
      });
    }
    Reflect.preventExtensions(shell);
  }
}

/**
 * A shell property the target lacks: reported only when the invariants
 * require it (non-configurable, like an array shell's `length`). A stale
 * configurable copy is dropped instead.
 */
function shellOnly(
  shell: Shell,
  key: PropertyKey,
): PropertyDescriptor | undefined {
  const own = Reflect.getOwnPropertyDescriptor(shell, key);
  if (own === undefined || own.configurable === false) return own;

  Reflect.deleteProperty(shell, key);
  return undefined;
}

/** Sets a writable shell property's value; an invalid array length is kept. */
function setShellValue(shell: Shell, key: PropertyKey, value: unknown): void {
  try {
    Reflect.defineProperty(shell, key, { value });
  } catch {
    // RangeError: not a valid array length for an array shell's `length`
  }
}

/** Drops configurable shell properties the target no longer has. */
function pruneStale(shell: Shell, owner: object): void {
  for (const key of Reflect.ownKeys(shell)) {
    if (Reflect.getOwnPropertyDescriptor(owner, key) === undefined) {
      shellOnly(shell, key);
    }
  }
}

/**
 * The `get` invariant: a non-configurable, non-writable data property of the
 * shell must read as its exact value (so a frozen method is returned
 * unbound), and a non-configurable accessor without getter as `undefined`.
 */
function keepGetInvariant(
  shell: Shell,
  key: PropertyKey,
  value: unknown,
): unknown {
  const own = Reflect.getOwnPropertyDescriptor(shell, key);
  if (own === undefined || own.configurable !== false) return value;

  if ('value' in own) return own.writable === false ? own.value : value;
  return own.get === undefined ? undefined : value;
}
