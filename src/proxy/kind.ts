import { types } from 'node:util';

/**
 * The kind of a proxy's target, recorded when the proxy is made and carried in
 * its reference, so that a consumer can build a shell with the same `typeof`,
 * callability and `Array.isArray` before it has fetched anything.
 */
export const TYPED_ARRAY_KINDS = [
  'Int8Array',
  'Uint8Array',
  'Uint8ClampedArray',
  'Int16Array',
  'Uint16Array',
  'Int32Array',
  'Uint32Array',
  'Float32Array',
  'Float64Array',
  'BigInt64Array',
  'BigUint64Array',
] as const;

export type TypedArrayKind = (typeof TYPED_ARRAY_KINDS)[number];

export type ProxyKind =
  /** A plain object (prototype `Object.prototype` or `null`). */
  | 'object'
  /** Any other object: a class instance, RegExp, Error, ... (prototype unknown until resolved). */
  | 'instance'
  | 'array'
  /** A callable that is not a class. */
  | 'function'
  /** A class (constructible). */
  | 'class'
  | 'map'
  | 'set'
  | 'date'
  | 'buffer'
  | TypedArrayKind
  | 'arraybuffer'
  /** A promise or other thenable: `then` is forwarded (this resolves). */
  | 'thenable'
  | 'string'
  | 'number'
  | 'bigint';

/** The kind used when none is known (for example `proxyFromKey` without a hint). */
export const DEFAULT_PROXY_KIND: ProxyKind = 'object';

export const PROXY_KINDS: readonly ProxyKind[] = [
  'object',
  'instance',
  'array',
  'function',
  'class',
  'map',
  'set',
  'date',
  'buffer',
  ...TYPED_ARRAY_KINDS,
  'arraybuffer',
  'thenable',
  'string',
  'number',
  'bigint',
];

/** Whether a string names a {@link ProxyKind}. */
export function isProxyKind(value: unknown): value is ProxyKind {
  return typeof value === 'string' && (PROXY_KINDS as readonly string[]).includes(value);
}

const CLASS_SOURCE = /^class[\s{]/;

/**
 * The built-in prototype that a proxy of each kind reports before it has
 * resolved, so that `instanceof Map`, `Buffer.isBuffer(p)` and
 * `Object.getPrototypeOf(p)` need no I/O. Kinds absent here ('instance',
 * 'function', 'class', 'thenable') resolve to answer.
 */
export const KIND_PROTOTYPES: Readonly<Partial<Record<ProxyKind, object>>> = {
  object: Object.prototype,
  array: Array.prototype,
  map: Map.prototype,
  set: Set.prototype,
  date: Date.prototype,
  buffer: Buffer.prototype,
  arraybuffer: ArrayBuffer.prototype,
  string: String.prototype,
  number: Number.prototype,
  bigint: BigInt.prototype,
  ...Object.fromEntries(
    TYPED_ARRAY_KINDS.map((name) => [name, globalThis[name].prototype]),
  ),
};

/**
 * Whether a value is a class (constructible only with `new`), judged from its
 * source text as `Function.prototype.toString` prints it.
 */
export function isClass(value: unknown): boolean {
  if (typeof value !== 'function') return false;

  return CLASS_SOURCE.test(Function.prototype.toString.call(value));
}

/**
 * Kind-of hook for values that already are proxies: answers the recorded kind
 * without resolving. Set once by `proxy.ts` (kept as a hook so this file does
 * not import the proxy machinery).
 */
let recordedKindOf: (value: object) => ProxyKind | undefined = () => undefined;

/** @internal Installs the hook used by {@link kindOf} for proxies. */
export function setRecordedKindOf(
  hook: (value: object) => ProxyKind | undefined,
): void {
  recordedKindOf = hook;
}

/**
 * The kind of a value, as recorded when a proxy of it is made.
 *
 * A proxy answers with its own recorded kind (no I/O). Otherwise: strings,
 * numbers and bigints by type; a class (source starts with `class`) before any
 * other function; arrays; Buffer before the typed arrays; Map, Set, Date and
 * ArrayBuffer by their internal slots; then any object with a callable `then`
 * is 'thenable'; a plain object (prototype `Object.prototype` or `null`) is
 * 'object' and any other object 'instance' (also one that throws while it is
 * looked at, such as a revoked Proxy). Values that cannot stand behind a
 * proxy (`null`, `undefined`, booleans, symbols) give
 * {@link DEFAULT_PROXY_KIND}.
 *
 * @param value - any value.
 * @returns the kind that fixes the shell's `typeof`, callability and
 * `Array.isArray`.
 */
export function kindOf(value: unknown): ProxyKind {
  switch (typeof value) {
    case 'string':
      return 'string';
    case 'number':
      return 'number';
    case 'bigint':
      return 'bigint';
    case 'function':
      return recordedKindOf(value) ?? (isClass(value) ? 'class' : 'function');
    case 'object':
      return value === null
        ? DEFAULT_PROXY_KIND
        : (recordedKindOf(value) ?? safeObjectKindOf(value));
    default:
      return DEFAULT_PROXY_KIND;
  }
}

/**
 * {@link objectKindOf}, or 'instance' when the value throws while it is
 * looked at (a `then` getter that throws, a revoked Proxy): recording a kind
 * must never fail on the value's own errors.
 */
function safeObjectKindOf(value: object): ProxyKind {
  try {
    return objectKindOf(value);
  } catch {
    return 'instance';
  }
}

function objectKindOf(value: object): ProxyKind {
  if (Array.isArray(value)) return 'array';
  if (Buffer.isBuffer(value)) return 'buffer';
  if (types.isTypedArray(value)) return typedArrayKindOf(value);
  if (types.isMap(value)) return 'map';
  if (types.isSet(value)) return 'set';
  if (types.isDate(value)) return 'date';
  if (types.isArrayBuffer(value)) return 'arraybuffer';

  if (typeof (value as { then?: unknown }).then === 'function') {
    return 'thenable';
  }

  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null ? 'object' : 'instance';
}

/** The typed-array kind of a typed array, by its built-in tag. */
function typedArrayKindOf(view: ArrayBufferView): ProxyKind {
  const tag: unknown = TYPED_ARRAY_TAG?.call(view);
  const known = TYPED_ARRAY_KINDS as readonly unknown[];

  return known.includes(tag) ? (tag as TypedArrayKind) : 'instance';
}

const TYPED_ARRAY_TAG = Object.getOwnPropertyDescriptor(
  Object.getPrototypeOf(Uint8Array.prototype) as object,
  Symbol.toStringTag,
)?.get;
