import { InvalidArgumentError } from '../errors.js';
import { deserialize, serialize } from './default-codec.js';
import type { Deserializer, Serializer } from './types.js';

/** A named pair of functions; either may be absent. */
export interface Codec {
  serializer?: Serializer | undefined;
  deserializer?: Deserializer | undefined;
}

/** The name under which the default codec is registered. */
export const DEFAULT_CODEC_NAME = 'default';

const NAME_PATTERN = /^[A-Za-z0-9][\w.@/-]*$/;

const codecs = new Map<string, Readonly<Codec>>();
const names = new Map<Function, string>();

/**
 * Registers a serializer and/or deserializer under a name, so that a store
 * config or a proxy reference can name it instead of carrying a function.
 * Register the same name in every process that rebuilds such stores.
 *
 * @param name - letters, digits and `. _ - / @`, starting with a letter or
 * digit, for example `'msgpack'` or `'myapp/arrow'`.
 * @throws {@link InvalidArgumentError} for a bad name or codec, or when the
 * name is taken by different functions.
 */
export function registerCodec(name: string, codec: Codec): void {
  if (typeof name !== 'string' || !NAME_PATTERN.test(name)) {
    throw InvalidArgumentError.format(
      'name',
      name,
      'a codec name is letters, digits and ". _ - / @", starting with a ' +
        'letter or digit',
    );
  }
  const entry = checkCodec(codec);

  const current = codecs.get(name);
  if (current !== undefined) {
    if (sameCodec(current, entry)) return;
    throw InvalidArgumentError.format(
      'name',
      name,
      'a different codec is already registered under this name; pick ' +
        'another name',
    );
  }

  codecs.set(name, entry);
  for (const fn of [entry.serializer, entry.deserializer]) {
    if (fn !== undefined && !names.has(fn)) names.set(fn, name);
  }
}

/** The codec registered under `name`, or `undefined`. */
export function getCodec(name: string): Readonly<Codec> | undefined {
  return codecs.get(name);
}

/**
 * The name of the codec a (de)serializer function was first registered in,
 * or `undefined` for a function nobody registered.
 */
export function codecName(fn: Function): string | undefined {
  return names.get(fn);
}

function checkCodec(codec: Codec): Readonly<Codec> {
  const valid =
    typeof codec === 'object' &&
    codec !== null &&
    isOptionalFunction(codec.serializer) &&
    isOptionalFunction(codec.deserializer) &&
    (codec.serializer !== undefined || codec.deserializer !== undefined);

  if (!valid) {
    throw InvalidArgumentError.format(
      'codec',
      codec,
      'a codec is { serializer?, deserializer? } with at least one function',
    );
  }

  return Object.freeze({
    serializer: codec.serializer,
    deserializer: codec.deserializer,
  });
}

function isOptionalFunction(value: unknown): boolean {
  return value === undefined || typeof value === 'function';
}

function sameCodec(a: Readonly<Codec>, b: Readonly<Codec>): boolean {
  return a.serializer === b.serializer && a.deserializer === b.deserializer;
}

registerCodec(DEFAULT_CODEC_NAME, {
  serializer: serialize,
  deserializer: deserialize,
});
