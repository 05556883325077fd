import { describeValue, SerializationError } from '../errors.js';
import { codecName } from './codecs.js';
import { deserialize, serialize } from './default-codec.js';
import type { Deserializer, Serializer } from './types.js';
import { typeLabel } from './uncloneable.js';
import { messageOf } from './v8-codec.js';

/**
 * Serializes with `serializer` (the default codec when absent), the way a
 * store does on `put`.
 *
 * @param key - the store key, when known, for the error.
 * @throws TypeError when the serializer does not return a `Uint8Array`.
 * @throws {@link SerializationError} (with `cause` and `key`) when it throws.
 */
export function serializeWith(
  value: unknown,
  serializer?: Serializer,
  key?: unknown,
): Uint8Array {
  const fn = serializer ?? serialize;

  let data: unknown;
  try {
    data = fn(value);
  } catch (error) {
    const subject = `${label('serializer', fn)} failed to serialize`;
    throw wrap(`${subject} ${typeLabel(value)}`, error, key);
  }

  if (!(data instanceof Uint8Array)) {
    throw new TypeError(
      `Serializer must return a Uint8Array, but ${label('serializer', fn)} ` +
        `returned ${typeLabel(data)}.`,
    );
  }
  return data;
}

/**
 * Deserializes with `deserializer` (the default codec when absent), the way a
 * store does on `get`.
 *
 * @param key - the store key the bytes came from, for the error.
 * @throws TypeError when `data` is not a `Uint8Array`.
 * @throws {@link SerializationError} (with `cause` and `key`) when the
 * deserializer throws.
 */
export function deserializeWith(
  data: Uint8Array,
  deserializer?: Deserializer,
  key?: unknown,
): unknown {
  if (!(data instanceof Uint8Array)) {
    throw new TypeError(
      `Expected data to be a Uint8Array (or Buffer), not ${typeLabel(data)}.`,
    );
  }
  const fn = deserializer ?? deserialize;

  try {
    return fn(data);
  } catch (error) {
    const subject = `${label('deserializer', fn)} failed to deserialize`;
    throw wrap(`${subject} ${data.length} bytes`, error, key);
  }
}

function wrap(
  subject: string,
  error: unknown,
  key: unknown,
): SerializationError {
  const where = key === undefined ? '' : ` for key ${describeValue(key)}`;
  const message = shorten(messageOf(error));
  const end = /[.!?]$/.test(message) ? '' : '.';
  return new SerializationError(`${subject}${where}: ${message}${end}`, {
    cause: error,
    key,
  });
}

/** Keeps a foreign error's message to a readable length. */
function shorten(message: string): string {
  const limit = 600;
  return message.length > limit ? `${message.slice(0, limit)}...` : message;
}

function label(role: string, fn: Function): string {
  const name = codecName(fn);
  const fnName = fn.name ? ` (function ${fn.name})` : '';
  if (name === undefined) return `The ${role}${fnName || ' (anonymous)'}`;
  return `The ${role} of codec '${name}'${fnName}`;
}
