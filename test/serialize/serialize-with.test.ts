import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { SerializationError } from '../../src/errors.js';
import {
  deserializeWith,
  registerCodec,
  serialize,
  serializeWith,
  type Deserializer,
  type Serializer,
} from '../../src/serialize/index.js';

// C05 (serialization side): errors inside a (de)serializer are wrapped, never
// masked: SerializationError naming the function and key, with the cause.

describe('serializeWith()', () => {
  it('uses the default codec when no serializer is given', () => {
    assert.deepEqual(Buffer.from(serializeWith('abc')), Buffer.from('US\nabc'));
  });

  it('wraps a throwing serializer with its name, the key and the cause', () => {
    const boom = new TypeError('boom');
    function explode(): Uint8Array {
      throw boom;
    }

    assert.throws(() => serializeWith([1, 2, 3], explode, { id: 'k1' }), (error) => {
      assert.ok(error instanceof SerializationError);
      assert.equal(error.name, 'SerializationError');
      assert.equal(error.cause, boom);
      assert.deepEqual(error.key, { id: 'k1' });
      assert.match(error.message, /serializer \(function explode\)/);
      assert.match(error.message, /an array for key \{"id":"k1"\}: boom\./);
      return true;
    });
  });

  it('names a registered codec in the message', () => {
    const failing: Serializer = () => {
      throw new Error('no space left');
    };
    registerCodec('failing-ser', { serializer: failing });
    assert.throws(() => serializeWith({}, failing), {
      name: 'SerializationError',
      message: /serializer of codec 'failing-ser'.*no space left/,
    });
  });

  it('wraps a default codec failure and keeps its cause chain', () => {
    assert.throws(() => serializeWith({ f: () => 1 }, undefined, 'key-2'), (error) => {
      assert.ok(error instanceof SerializationError);
      assert.equal(error.key, 'key-2');
      assert.match(error.message, /codec 'default'/);
      assert.match(error.message, /value\.f is a function/);
      assert.ok(error.cause instanceof SerializationError);
      return true;
    });
  });

  it('throws a TypeError when the serializer returns something else', () => {
    for (const bad of ['text', null, [1, 2], new ArrayBuffer(2), undefined]) {
      const serializer = (() => bad) as unknown as Serializer;
      assert.throws(() => serializeWith(1, serializer), {
        name: 'TypeError',
        message: /^Serializer must return a Uint8Array/,
      });
    }
  });

  it('accepts a Uint8Array that is not a Buffer', () => {
    const data = serializeWith(1, () => new Uint8Array([9]));
    assert.deepEqual([...data], [9]);
  });
});

describe('deserializeWith()', () => {
  it('uses the default codec when no deserializer is given', () => {
    assert.deepEqual(deserializeWith(serialize({ a: 1n })), { a: 1n });
  });

  it('wraps a throwing deserializer with its name, the key and the cause', () => {
    const boom = new TypeError('boom');
    const broken: Deserializer = function broken() {
      throw boom;
    };

    assert.throws(() => deserializeWith(serialize([1, 2, 3]), broken, 'k3'), (error) => {
      assert.ok(error instanceof SerializationError);
      assert.equal(error.cause, boom);
      assert.equal(error.key, 'k3');
      assert.match(error.message, /deserializer \(function broken\) failed/);
      assert.match(error.message, /bytes for key "k3": boom\./);
      return true;
    });
  });

  it('wraps the default deserializer errors with the key', () => {
    assert.throws(() => deserializeWith(Buffer.from('??'), undefined, 'k4'), (error) => {
      assert.ok(error instanceof SerializationError);
      assert.equal(error.key, 'k4');
      assert.match(error.message, /does not have a required identifier/);
      return true;
    });
  });

  it('throws a TypeError for input that is not a Uint8Array', () => {
    assert.throws(() => deserializeWith('US\nx' as unknown as Uint8Array), {
      name: 'TypeError',
    });
  });

  it('returns whatever the deserializer returns, undefined included', () => {
    assert.equal(deserializeWith(new Uint8Array(0), () => undefined), undefined);
  });
});
