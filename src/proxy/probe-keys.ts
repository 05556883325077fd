import { inspect } from 'node:util';

import { inspectShell } from './inspect.js';
import {
  KIND_PROTOTYPES,
  TYPED_ARRAY_KINDS,
  type ProxyKind,
} from './kind.js';
import { referenceOf } from './reference.js';
import type { ProxyState } from './state.js';

/** Returned by {@link answerProbe} when the key is read as any other. */
export const NO_ANSWER: unique symbol = Symbol('proxystore.noAnswer');

/**
 * Kinds whose instances carry no own `constructor` or `Symbol.toStringTag`,
 * so the built-in prototype answers both before the proxy resolves.
 * ('object' and 'array' are absent: plain data may have a key named
 * `constructor`.)
 */
const SEALED_KINDS: ReadonlySet<ProxyKind> = new Set(
  (Object.keys(KIND_PROTOTYPES) as ProxyKind[]).filter(
    (kind) => kind !== 'object' && kind !== 'array',
  ),
);

/**
 * Answers the keys that generic code reads to probe a value (promise
 * machinery, serializers, inspectors, frameworks), so that probing a proxy
 * neither hangs nor does I/O by accident:
 *
 * - `then`: for a proxy of kind 'thenable', resolves and returns the bound
 *   `then` (so `await p` waits for the real promise). For every other kind,
 *   `undefined` while unresolved, and once resolved the target's `then` only
 *   when it is not a function (and `undefined` when reading it throws):
 *   awaiting a proxy never resolves it, never hangs and never throws;
 *   `await p` gives `p` itself.
 * - `toJSON`: when the factory has `toReference()`, a function returning the
 *   proxy's reference, resolved or not (a proxy serializes as its factory);
 *   otherwise read from the target like any key.
 * - `util.inspect.custom`: the shell's inspect hook (no I/O).
 * - `$$typeof` (React's element check): `undefined` while unresolved.
 * - `constructor` and `Symbol.toStringTag`: for Map, Set, Date, Buffer,
 *   typed array, ArrayBuffer, string, number and bigint kinds, answered from
 *   the built-in prototype while unresolved; for other kinds they resolve.
 *
 * `Symbol.toPrimitive` and `Symbol.iterator` are value operations (`${p}`,
 * `p + 1`, `for (const x of p)`, `[...p]`): they resolve the proxy.
 */
export function answerProbe(state: ProxyState, key: PropertyKey): unknown {
  switch (key) {
    case 'then':
      return thenOf(state);
    case 'toJSON':
      return typeof state.factory.toReference === 'function'
        ? state.toJsonFn(() => () => referenceOf(state.proxy))
        : NO_ANSWER;
    case inspect.custom:
      return inspectShell;
    case '$$typeof':
      return state.resolved ? NO_ANSWER : undefined;
    case 'constructor':
    case Symbol.toStringTag:
      return fromPrototype(state, key);
    default:
      return NO_ANSWER;
  }
}

function thenOf(state: ProxyState): unknown {
  if (state.kind === 'thenable') return NO_ANSWER;
  if (!state.resolved) return undefined;

  const target = state.object();
  let then: unknown;
  try {
    then = Reflect.get(target, 'then', target);
  } catch {
    // A `then` getter that throws (a guard against awaiting the target):
    // awaiting the proxy still gives the proxy, so store.proxy() can
    // return it from its promise.
    return undefined;
  }
  return typeof then === 'function' ? undefined : then;
}

function fromPrototype(state: ProxyState, key: PropertyKey): unknown {
  if (state.resolved || !SEALED_KINDS.has(state.kind)) return NO_ANSWER;

  if (key === Symbol.toStringTag) {
    // TypedArray's tag is a getter that answers only for real typed arrays.
    if (state.kind === 'buffer') return 'Uint8Array';
    if (isTypedArrayKind(state.kind)) return state.kind;
  }

  const proto = KIND_PROTOTYPES[state.kind] as object;
  return Reflect.get(proto, key, proto);
}

function isTypedArrayKind(kind: ProxyKind): boolean {
  return (TYPED_ARRAY_KINDS as readonly string[]).includes(kind);
}
