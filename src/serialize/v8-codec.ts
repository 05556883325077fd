import v8 from 'node:v8';

import { SerializationError } from '../errors.js';
import { HEADER_LENGTH, writeHeader } from './format.js';

/**
 * Bytes before the v8 payload: `ID + '\n'` and five zero bytes. The padding
 * puts the payload at offset 8, so typed arrays inside it sit at the same
 * alignment as in raw `v8.serialize` output, and `v8` can still hand them
 * back as views of the input instead of copies.
 */
export const V8_PREFIX_LENGTH = 8;

/**
 * Serializes a value with `node:v8` behind the header `id`, in one pass and
 * with no copy beyond the serializer's own buffer.
 *
 * @throws the error of `v8` (for example "... could not be cloned.") as is.
 */
export function encodeV8(id: string, value: unknown): Buffer {
  const prefix = new Uint8Array(V8_PREFIX_LENGTH);
  writeHeader(prefix, id);

  const serializer = new v8.DefaultSerializer();
  serializer.writeRawBytes(prefix);
  serializer.writeHeader();
  serializer.writeValue(value);
  return serializer.releaseBuffer();
}

/**
 * Reads a value written by {@link encodeV8}. Typed arrays and Buffers in the
 * result may be views of `data` (when aligned), so they keep `data` alive and
 * see later writes to it.
 *
 * @throws {@link SerializationError} when the body is not a valid payload.
 */
export function decodeV8(data: Uint8Array, id: string): unknown {
  try {
    checkPadding(data);
    const body = data.subarray(V8_PREFIX_LENGTH);
    const deserializer = new v8.DefaultDeserializer(body);
    deserializer.readHeader();
    return deserializer.readValue();
  } catch (error) {
    throw new SerializationError(
      `Failed to deserialize ${data.length} bytes with identifier '${id}' ` +
        `using the v8 deserializer: ${messageOf(error)}`,
      { cause: error },
    );
  }
}

function checkPadding(data: Uint8Array): void {
  let ok = data.length > V8_PREFIX_LENGTH;
  for (let i = HEADER_LENGTH; ok && i < V8_PREFIX_LENGTH; i++) {
    ok = data[i] === 0;
  }

  if (!ok) {
    throw new Error(
      `the body must start with ${V8_PREFIX_LENGTH - HEADER_LENGTH} zero ` +
        'bytes followed by a v8 payload, and does not.',
    );
  }
}

/** The message of an unknown thrown value, for wrapping errors. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
