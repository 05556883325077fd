import { types } from 'node:util';

import { serializeWith, type Serializer } from '../serialize/index.js';

/** Header of the default codec's bytes format (`BS`, upstream's id). */
const BYTES_HEADER = Buffer.from('BS\n', 'ascii');

/**
 * Serialized bytes as parts: the default codec's bytes (`BS`) are a header
 * and the caller's array, so a connector with `putParts` writes them
 * without a copy. Anything else is one part.
 *
 * @param serializer - the serializer to use; `undefined` for the default.
 */
export function serializedParts(
  obj: unknown,
  serializer: Serializer | undefined,
): readonly Uint8Array[] {
  // An internal-slot check: runs no trap, false for any Proxy.
  if (serializer === undefined && types.isUint8Array(obj)) {
    return [BYTES_HEADER, obj];
  }
  return [serializeWith(obj, serializer)];
}

/**
 * The parts as one array in memory of its own (`Buffer.concat` would use
 * Node's shared pool for small sizes, and values read back are views of it).
 */
export function joinParts(parts: readonly Uint8Array[], size: number): Buffer {
  const out = Buffer.allocUnsafeSlow(size);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.byteLength;
  }
  return out;
}
