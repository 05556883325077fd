/**
 * The `VR` format: a v8 payload of `[value, markers]`, where `value` has each
 * proxy (or locker) replaced by a reference object and `markers` lists those
 * reference objects. v8 keeps object identity, so the reader knows exactly
 * which objects are references: user data that merely looks like one is
 * never revived.
 */

import { SerializationError } from '../errors.js';
import { isLockerReference } from '../proxy/locker.js';
import { isProxyReference } from '../proxy/reference.js';
import { logger } from '../utils/debug.js';
import { FormatId } from './format.js';
import { replaceProxies, reviveOne } from './references.js';
import { decodeV8, encodeV8 } from './v8-codec.js';
import { DESCEND, replaceDeep } from './walk.js';

const log = logger('serialize');

/**
 * Encodes a value that holds proxies or lockers, or returns `undefined` when
 * it holds none (so the caller can report the original failure).
 *
 * @throws the `v8` error when the value holds something else v8 cannot clone.
 */
export function encodeWithReferences(value: unknown): Buffer | undefined {
  const markers: object[] = [];
  const replaced = replaceProxies(value, markers);
  if (markers.length === 0) return undefined;

  log('writing %d proxy reference(s) in a VR payload', markers.length);
  return encodeV8(FormatId.v8References, [replaced, markers]);
}

/**
 * Decodes a `VR` payload and revives its references as proxies (lockers as
 * lockers). Each reference becomes one proxy, shared wherever it appeared.
 *
 * @throws {@link SerializationError} when the payload is malformed or names
 * an unknown factory type.
 */
export function decodeWithReferences(data: Uint8Array): unknown {
  const envelope = decodeV8(data, FormatId.v8References);
  if (!Array.isArray(envelope) || envelope.length !== 2) {
    throw malformed('the body is not a [value, references] pair');
  }

  const [value, markers] = envelope as [unknown, unknown];
  if (!Array.isArray(markers)) {
    throw malformed('the list of references is not an array');
  }

  const known = new Set<unknown>();
  for (const marker of markers) {
    if (!isProxyReference(marker) && !isLockerReference(marker)) {
      throw malformed('an entry of the list of references has a bad shape');
    }
    known.add(marker);
  }

  return replaceDeep(value, (item) =>
    known.has(item) ? reviveOne(item) : DESCEND,
  );
}

function malformed(reason: string): SerializationError {
  return new SerializationError(
    `Failed to deserialize data with identifier '${FormatId.v8References}': ` +
      `${reason}. The data is corrupt or was not written by serialize().`,
  );
}
