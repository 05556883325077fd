import { SerializationError } from '../errors.js';
import { ProxyLocker } from '../proxy/locker.js';
import { isProxy } from '../proxy/proxy.js';
import {
  FormatId,
  HEADER_LENGTH,
  readHeader,
  unknownIdentifierError,
  writeHeader,
} from './format.js';
import {
  decodeWithReferences,
  encodeWithReferences,
} from './reference-codec.js';
import { typeLabel, uncloneableError } from './uncloneable.js';
import { decodeV8, encodeV8, messageOf } from './v8-codec.js';

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * The default serializer. Writes `ID + '\n' + body`:
 * - `BS` for a `Uint8Array`/`Buffer` (the bytes as they are),
 * - `US` for a string (UTF-8),
 * - `V8` for anything else, through `node:v8` (Map, Set, Date, BigInt,
 *   typed arrays, RegExp, Error, cycles and shared references are kept),
 * - `VR` when the value is or holds proxies: each is written as its
 *   reference, never as its target (as upstream pickles a proxy as its
 *   factory), and comes back as a proxy. A {@link ProxyLocker} stays a locker.
 *
 * `BS` and `US` are upstream ProxyStore's identifiers, so Python reads them.
 *
 * @remarks v8 keeps plain data only: a class instance comes back as a plain
 * object without its prototype or methods, and functions, symbols, WeakMaps
 * and Promises cannot be written at all. Use a custom serializer for them. A
 * string with lone surrogates is written as `V8` so it survives unchanged.
 * A ProxyLocker anywhere in a value stays a locker (its own `proxy`
 * accessor throws, which sends the value down the reference path).
 * Symbol-keyed properties are never written. In a `VR` value (one that holds
 * proxies) the arrays keep their items and holes but not named properties
 * (`arr.extra = 1`), as in JSON, and a proxy held only by such a property
 * cannot be written.
 * @throws {@link SerializationError} when the value cannot be written.
 */
export function serialize(value: unknown): Uint8Array {
  try {
    return write(value);
  } catch (error) {
    // Whatever the value threw while being read (a getter, a revoked Proxy).
    if (error instanceof SerializationError) throw error;
    throw uncloneableError(value, error);
  }
}

function write(value: unknown): Uint8Array {
  if (isProxy(value) || value instanceof ProxyLocker) {
    return serializeWithReferences(value, undefined);
  }

  if (typeof value === 'string' && isWellFormed(value)) {
    return encodeString(value);
  }
  if (value instanceof Uint8Array) return encodeBytes(value);

  try {
    return encodeV8(FormatId.v8, value);
  } catch (error) {
    return serializeWithReferences(value, error);
  }
}

/**
 * The default deserializer, the inverse of {@link serialize}; it also reads
 * upstream's older `01` (bytes) and `02` (string) identifiers.
 *
 * Bytes come back as a `Buffer` that is a view of `data`, not a copy, and
 * typed arrays inside a value may be views too: they keep `data` alive, so
 * never reuse the input buffer. Reading never runs code from the payload.
 *
 * @throws TypeError when `data` is not a `Uint8Array`.
 * @throws {@link SerializationError} when the identifier is missing or
 * unknown, or the body is malformed.
 */
export function deserialize(data: Uint8Array): unknown {
  if (!(data instanceof Uint8Array)) {
    throw new TypeError(
      `Expected data to be a Uint8Array (or Buffer), not ${typeLabel(data)}.`,
    );
  }

  const id = readHeader(data);
  switch (id) {
    case FormatId.bytes:
    case FormatId.legacyBytes:
      return Buffer.from(
        data.buffer,
        data.byteOffset + HEADER_LENGTH,
        data.length - HEADER_LENGTH,
      );
    case FormatId.string:
    case FormatId.legacyString:
      return decodeString(data, id);
    case FormatId.v8:
      return decodeV8(data, id);
    case FormatId.v8References:
      return decodeWithReferences(data);
    default:
      throw unknownIdentifierError(id);
  }
}

function serializeWithReferences(value: unknown, failure: unknown): Buffer {
  let encoded: Buffer | undefined;
  try {
    encoded = encodeWithReferences(value);
  } catch (error) {
    if (error instanceof SerializationError) throw error;
    throw uncloneableError(value, error);
  }

  if (encoded === undefined) throw uncloneableError(value, failure);
  return encoded;
}

/**
 * `BS` + bytes, in memory of their own: `deserialize` returns a view of
 * these bytes, and a view of Node's shared allocation pool (what
 * `allocUnsafe` gives for small sizes) would expose other values through
 * its `.buffer`.
 */
function encodeBytes(bytes: Uint8Array): Buffer {
  const out = Buffer.allocUnsafeSlow(HEADER_LENGTH + bytes.length);
  writeHeader(out, FormatId.bytes);
  out.set(bytes, HEADER_LENGTH);
  return out;
}

function encodeString(text: string): Buffer {
  const out = Buffer.allocUnsafe(HEADER_LENGTH + Buffer.byteLength(text));
  writeHeader(out, FormatId.string);
  out.write(text, HEADER_LENGTH, 'utf8');
  return out;
}

function decodeString(data: Uint8Array, id: string): string {
  try {
    return utf8.decode(data.subarray(HEADER_LENGTH));
  } catch (error) {
    throw new SerializationError(
      `Failed to deserialize data with identifier '${id}' using the string ` +
        `deserializer: ${messageOf(error)}`,
      { cause: error },
    );
  }
}

/** `String.prototype.isWellFormed` (Node 20; not yet in the ES2023 lib). */
function isWellFormed(text: string): boolean {
  const check = (text as { isWellFormed?: () => boolean }).isWellFormed;
  return check === undefined ? true : check.call(text);
}
