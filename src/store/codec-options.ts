import { SerializationError } from '../errors.js';
import { codecName, getCodec } from '../serialize/index.js';
import { UNREGISTERED_CODEC } from './config.js';

/**
 * A serializer or deserializer option as a function: a function as is, a
 * registered codec's function for a name, `undefined` for the default.
 *
 * @throws {@link SerializationError} for a name nobody registered.
 */
export function resolveCodec<F>(
  value: F | string | undefined,
  pick: 'serializer' | 'deserializer',
): F | undefined {
  if (typeof value !== 'string') return value;
  const codec = getCodec(value);
  const fn = codec?.[pick];
  if (fn === undefined) {
    throw new SerializationError(
      `No ${pick} is registered under the codec name '${value}'. ` +
        'Call registerCodec() with it in every process that uses this store.',
    );
  }
  return fn as F;
}

/**
 * The name a store config records for a (de)serializer function: its codec
 * name, or `unregistered:<function name>` for a function nobody registered.
 */
export function codecConfigName(fn: Function | undefined): string | undefined {
  if (fn === undefined) return undefined;
  return codecName(fn) ?? `${UNREGISTERED_CODEC}${fn.name || 'anonymous'}`;
}
