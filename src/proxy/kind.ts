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
