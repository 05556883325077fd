import { SerializationError } from '../errors.js';
import { isProxy } from '../proxy/proxy.js';
import { clip } from '../utils/debug.js';
import { messageOf } from './v8-codec.js';

/** How many values the search for the culprit looks at, at most. */
const SEARCH_LIMIT = 100_000;

/** Types structured clone and `v8` refuse. */
const REFUSED: readonly [Function, string][] = [
  [WeakMap, 'a WeakMap'],
  [WeakSet, 'a WeakSet'],
  [Promise, 'a Promise'],
  ...(typeof WeakRef === 'function'
    ? [[WeakRef, 'a WeakRef'] as [Function, string]]
    : []),
];

/**
 * The error for a value the default codec cannot write. It names the type of
 * the value and, when a quick search finds it, the path of the first part
 * that cannot be cloned, and suggests a custom serializer.
 */
export function uncloneableError(
  value: unknown,
  cause: unknown,
): SerializationError {
  const found = safely(() => findUncloneable(value), undefined);
  const where =
    found === undefined ? '' : ` (${found.path} is ${found.what})`;
  const reason = clip(safely(() => messageOf(cause), 'unknown error'));
  const end = /[.!?]$/.test(reason) ? '' : '.';
  return new SerializationError(
    `Cannot serialize ${typeLabel(value)} with the default serializer` +
      `${where}: ${reason}${end} Functions, symbols, WeakMaps, ` +
      'Promises and similar values cannot be cloned; pass a custom ' +
      'serializer (see registerCodec()) or store plain data.',
    { cause },
  );
}

/**
 * A short description of a value's type for messages: "a Map", "an array".
 * Never throws (a revoked Proxy is "a revoked or hostile Proxy").
 */
export function typeLabel(value: unknown): string {
  return safely(() => labelOf(value), 'a revoked or hostile Proxy');
}

/** `fn()`, or `fallback` when it throws. */
function safely<T>(fn: () => T, fallback: T): T {
  try {
    return fn();
  } catch {
    return fallback;
  }
}

function labelOf(value: unknown): string {
  if (value === null) return 'null';
  if (isProxy(value)) return 'a proxy';
  if (Array.isArray(value)) return 'an array';
  const type = typeof value;
  if (type === 'function') {
    const name = (value as Function).name;
    return name ? `a function (${name})` : 'a function';
  }
  if (type === 'undefined') return 'undefined';
  if (type !== 'object') return `a ${type}`;

  type Proto = { constructor?: unknown } | null;
  const proto = Object.getPrototypeOf(value) as Proto;
  if (proto === null || proto === Object.prototype) return 'a plain object';
  const ctor = proto.constructor;
  const name = typeof ctor === 'function' ? ctor.name : '';
  return name ? `an instance of ${name}` : 'an object';
}

interface Culprit {
  path: string;
  what: string;
}

/** Breadth-first search for the first value v8 refuses, bounded in size. */
function findUncloneable(root: unknown): Culprit | undefined {
  const queue: [unknown, string][] = [[root, 'value']];
  const seen = new Set<unknown>();

  for (let i = 0; i < queue.length && i < SEARCH_LIMIT; i++) {
    const [item, path] = queue[i] as [unknown, string];
    if (isProxy(item)) continue;
    const what = refusal(item);
    if (what !== undefined) return { path, what };
    if (typeof item !== 'object' || item === null || seen.has(item)) continue;
    seen.add(item);

    if (ArrayBuffer.isView(item)) continue;
    if (item instanceof Map) {
      let n = 0;
      for (const [k, v] of item) {
        queue.push([k, `${path}.<key ${n}>`], [v, `${path}.<value ${n}>`]);
        n++;
      }
    } else if (item instanceof Set) {
      let n = 0;
      for (const v of item) queue.push([v, `${path}.<item ${n++}>`]);
    } else {
      const record = item as Record<string, unknown>;
      for (const key of Object.keys(record)) {
        queue.push([record[key], `${path}${pathPart(key, item)}`]);
      }
    }
  }
  return undefined;
}

function refusal(item: unknown): string | undefined {
  if (typeof item === 'function') return typeLabel(item);
  if (typeof item === 'symbol') return `a symbol (${item.toString()})`;
  if (typeof item !== 'object' || item === null) return undefined;
  return REFUSED.find(([type]) => item instanceof type)?.[1];
}

function pathPart(key: string, owner: object): string {
  if (Array.isArray(owner)) return `[${key}]`;
  const plain = /^[A-Za-z_$][\w$]*$/.test(key);
  return plain ? `.${key}` : `[${JSON.stringify(key)}]`;
}
