import { types } from 'node:util';

/** Longest description printed as JSON; longer values get a type label. */
const PREVIEW_LENGTH = 120;
/** Most values (keys, items) an object preview reads before giving up. */
const PREVIEW_VALUES = 32;

/** Thrown inside the preview when the value is too big or not plain. */
const NOT_PREVIEWABLE = Symbol('proxystore.notPreviewable');

/**
 * Short, safe description of a value for error messages: small plain data
 * (plain objects, arrays, primitives) as JSON, anything else as a type
 * label such as `a Map` or `a proxy`.
 *
 * It never throws, reads at most a few dozen properties of the value (so a
 * huge bad argument costs nothing), never calls a `toJSON` or a Proxy trap,
 * and so never resolves a lazy proxy.
 */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  switch (typeof value) {
    case 'string': {
      const cut = value.length > 80 ? `${value.slice(0, 77)}...` : value;
      return JSON.stringify(cut);
    }
    case 'bigint':
      return `${value}n`;
    case 'symbol':
      return value.toString();
    case 'function':
      return types.isProxy(value) ? 'a proxy' : `function ${nameOf(value)}`;
    case 'object':
      return previewJson(value) ?? labelOf(value);
    default:
      return String(value);
  }
}

/** JSON of a small plain value, or undefined for anything else. */
function previewJson(value: object): string | undefined {
  let visits = 0;
  const replacer = (_key: string, item: unknown): unknown => {
    visits += 1;
    if (visits > PREVIEW_VALUES) throw NOT_PREVIEWABLE;
    if (typeof item === 'string' && item.length > PREVIEW_LENGTH) {
      throw NOT_PREVIEWABLE;
    }

    return typeof item === 'object' && item !== null ? shallowCopy(item) : item;
  };

  try {
    if (!isPlain(value)) return undefined;
    const json = JSON.stringify(value, replacer);
    return json !== undefined && json.length <= PREVIEW_LENGTH ? json : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A plain copy of a plain object or array with at most
 * {@link PREVIEW_VALUES} entries, whose object entries are plain too; so
 * JSON.stringify never reaches a `toJSON`, a getter of a class or a trap.
 */
function shallowCopy(item: object): object {
  if (!isPlain(item)) throw NOT_PREVIEWABLE;

  if (Array.isArray(item)) {
    if (item.length > PREVIEW_VALUES) throw NOT_PREVIEWABLE;
    return Array.from({ length: item.length }, (_, i) => checked(item[i]));
  }

  const copy: Record<string, unknown> = {};
  let count = 0;
  for (const key in item) {
    if (!Object.hasOwn(item, key)) continue;
    count += 1;
    if (count > PREVIEW_VALUES) throw NOT_PREVIEWABLE;
    copy[key] = checked((item as Record<string, unknown>)[key]);
  }
  return copy;
}

function checked(entry: unknown): unknown {
  if (typeof entry === 'object' && entry !== null && !isPlain(entry)) {
    throw NOT_PREVIEWABLE;
  }
  return entry;
}

/**
 * A plain object or array, not a Proxy, without a `toJSON` (checked without
 * running any trap; reading `toJSON` may run a getter, which the caller
 * catches).
 */
function isPlain(value: object): boolean {
  if (types.isProxy(value)) return false;

  const proto: unknown = Object.getPrototypeOf(value);
  const plain = Array.isArray(value)
    ? proto === Array.prototype
    : proto === Object.prototype || proto === null;
  return plain && typeof (value as { toJSON?: unknown }).toJSON !== 'function';
}

/** `a <constructor name>`, `a proxy` or `an object`, without running traps. */
function labelOf(value: object): string {
  if (types.isProxy(value)) return 'a proxy';

  try {
    const ctor = (value as { constructor?: { name?: unknown } }).constructor;
    const name = ctor?.name;
    if (typeof name === 'string' && name !== '') return `a ${name}`;
  } catch {
    // a throwing constructor getter: no name
  }
  return 'an object';
}

function nameOf(fn: Function): string {
  try {
    const name: unknown = fn.name;
    return typeof name === 'string' && name !== '' ? name : '(anonymous)';
  } catch {
    return '(anonymous)';
  }
}
