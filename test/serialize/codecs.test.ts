import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { InvalidArgumentError } from '../../src/errors.js';
import {
  codecName,
  deserialize,
  getCodec,
  registerCodec,
  serialize,
  type Deserializer,
  type Serializer,
} from '../../src/serialize/index.js';

const jsonSerializer: Serializer = (value) =>
  Buffer.from(JSON.stringify(value));
const jsonDeserializer: Deserializer = (data) =>
  JSON.parse(Buffer.from(data).toString()) as unknown;

describe('registerCodec()', () => {
  it('registers the default codec under "default"', () => {
    assert.equal(getCodec('default')?.serializer, serialize);
    assert.equal(getCodec('default')?.deserializer, deserialize);
    assert.equal(codecName(serialize), 'default');
    assert.equal(codecName(deserialize), 'default');
  });

  it('makes a codec findable by name and its functions by reverse lookup', () => {
    registerCodec('json', {
      serializer: jsonSerializer,
      deserializer: jsonDeserializer,
    });

    const codec = getCodec('json');
    assert.equal(codec?.serializer, jsonSerializer);
    assert.equal(codec?.deserializer, jsonDeserializer);
    assert.equal(codecName(jsonSerializer), 'json');
    assert.equal(codecName(jsonDeserializer), 'json');
    assert.ok(Object.isFrozen(codec));
  });

  it('accepts a codec with only one of the two functions', () => {
    const only: Deserializer = (data) => data.length;
    registerCodec('length-only', { deserializer: only });
    assert.equal(getCodec('length-only')?.serializer, undefined);
    assert.equal(codecName(only), 'length-only');
  });

  it('accepts the identical codec twice and rejects a different one', () => {
    const s: Serializer = () => new Uint8Array(0);
    registerCodec('twice', { serializer: s });
    registerCodec('twice', { serializer: s });

    const other: Serializer = () => new Uint8Array(1);
    assert.throws(() => registerCodec('twice', { serializer: other }), {
      name: 'InvalidArgumentError',
      message: /Invalid name \("twice"\).*already registered/,
    });
    assert.equal(getCodec('twice')?.serializer, s);
    assert.equal(codecName(other), undefined);
  });

  it('keeps the first name of a function registered twice', () => {
    const s: Serializer = () => new Uint8Array(0);
    registerCodec('first', { serializer: s });
    registerCodec('second', { serializer: s, deserializer: jsonDeserializer });
    assert.equal(codecName(s), 'first');
    assert.equal(getCodec('second')?.serializer, s);
  });

  it('rejects bad names and bad codecs', () => {
    for (const name of ['', 'unregistered:x', ' x', '-x', 'a b']) {
      assert.throws(
        () => registerCodec(name, { serializer: jsonSerializer }),
        (error: unknown) =>
          error instanceof InvalidArgumentError && error.argument === 'name',
        name,
      );
    }
    for (const codec of [{}, { serializer: 'x' }, null]) {
      assert.throws(
        () => registerCodec('bad-codec', codec as never),
        (error: unknown) =>
          error instanceof InvalidArgumentError && error.argument === 'codec',
      );
    }
    assert.equal(getCodec('bad-codec'), undefined);
  });

  it('answers undefined for unknown names and functions', () => {
    assert.equal(getCodec('nope'), undefined);
    assert.equal(codecName(() => 1), undefined);
  });
});
