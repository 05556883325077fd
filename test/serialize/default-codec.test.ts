import assert from 'node:assert/strict';
import v8 from 'node:v8';
import { describe, it } from 'node:test';

import { SerializationError } from '../../src/errors.js';
import { deserialize, serialize } from '../../src/serialize/index.js';

function roundTrip(value: unknown): unknown {
  return deserialize(serialize(value));
}

function idOf(data: Uint8Array): string {
  return Buffer.from(data.subarray(0, 3)).toString('latin1');
}

describe('serialize() and deserialize()', () => {
  describe('bytes (BS)', () => {
    it('writes exactly the bytes upstream writes', () => {
      const data = serialize(Buffer.from('abc'));
      assert.deepEqual(Buffer.from(data), Buffer.from('BS\nabc'));
    });

    it('reads upstream bytes back as a Buffer view of the input', () => {
      const input = Buffer.from('BS\nabc');
      const value = deserialize(input);
      assert.ok(Buffer.isBuffer(value));
      assert.equal(value.toString(), 'abc');
      assert.equal(value.buffer, input.buffer);
      assert.equal(value.byteOffset, input.byteOffset + 3);

      input[3] = 0x7a;
      assert.equal(value.toString(), 'zbc', 'the result is a view, no copy');
    });

    it('writes a plain Uint8Array as bytes and an empty one too', () => {
      const data = serialize(new Uint8Array([1, 2, 255]));
      assert.equal(idOf(data), 'BS\n');
      assert.deepEqual([...(roundTrip(new Uint8Array([1, 2, 255])) as Buffer)], [
        1, 2, 255,
      ]);
      assert.deepEqual(Buffer.from(serialize(new Uint8Array(0))), Buffer.from('BS\n'));
      assert.equal((deserialize(Buffer.from('BS\n')) as Buffer).length, 0);
    });

    it('reads upstream v0.4 bytes (01)', () => {
      const value = deserialize(Buffer.from('01\nxyz'));
      assert.ok(Buffer.isBuffer(value));
      assert.equal(value.toString(), 'xyz');
    });
  });

  describe('strings (US)', () => {
    it('writes exactly the bytes upstream writes, as UTF-8', () => {
      assert.deepEqual(Buffer.from(serialize('abc')), Buffer.from('US\nabc'));
      assert.deepEqual(
        Buffer.from(serialize('hé ✓ 😀')),
        Buffer.concat([Buffer.from('US\n'), Buffer.from('hé ✓ 😀', 'utf8')]),
      );
      assert.deepEqual(Buffer.from(serialize('')), Buffer.from('US\n'));
    });

    it('reads upstream strings, current (US) and v0.4 (02)', () => {
      assert.equal(deserialize(Buffer.from('US\nhello')), 'hello');
      assert.equal(deserialize(Buffer.from('02\nhello')), 'hello');
      assert.equal(deserialize(Buffer.from('US\n')), '');
      assert.equal(deserialize(Buffer.from('US\n\ufeffbom')), '\ufeffbom');
    });

    it('keeps a string with a lone surrogate by writing it with v8', () => {
      const text = 'a\ud800b';
      assert.equal(idOf(serialize(text)), 'V8\n');
      assert.equal(roundTrip(text), text);
    });

    it('rejects invalid UTF-8 with a SerializationError', () => {
      const bad = Buffer.from([0x55, 0x53, 0x0a, 0xff, 0xfe]);
      assert.throws(() => deserialize(bad), {
        name: 'SerializationError',
        message: /identifier 'US' using the string deserializer/,
      });
    });
  });

  describe('other values (V8)', () => {
    const cases: [string, unknown][] = [
      ['null', null],
      ['undefined', undefined],
      ['true', true],
      ['0', 0],
      ['-0', -0],
      ['NaN', NaN],
      ['Infinity', Infinity],
      ['a float', 3.25],
      ['a BigInt wider than 64 bits', 2n ** 200n + 12345n],
      ['a negative BigInt', -(2n ** 70n)],
      ['a Date', new Date('2024-04-20T12:00:00Z')],
      ['a RegExp', /ab+c/giu],
      ['a Map', new Map<unknown, unknown>([[1, 'a'], ['k', { x: [1n] }]])],
      ['a Set', new Set([1, 'two', 3n])],
      ['nested data', { a: [1, { b: 'c' }], d: null, e: undefined }],
      ['a sparse array', [1, , 3]], // eslint-disable-line no-sparse-arrays
    ];

    for (const [name, value] of cases) {
      it(`round-trips ${name}`, () => {
        const data = serialize(value);
        assert.equal(idOf(data), 'V8\n');
        assert.deepEqual(roundTrip(value), value);
      });
    }

    it('keeps a stored null apart from undefined', () => {
      assert.equal(roundTrip(null), null);
      assert.equal(roundTrip(undefined), undefined);
    });

    it('round-trips every typed array kind with its type', () => {
      const arrays = [
        new Int8Array([-1, 2]),
        new Uint8ClampedArray([0, 255]),
        new Int16Array([-300, 300]),
        new Uint16Array([65535]),
        new Int32Array([-(2 ** 31)]),
        new Uint32Array([2 ** 32 - 1]),
        new Float32Array([1.5]),
        new Float64Array([Math.PI, -0]),
        new BigInt64Array([-(2n ** 63n)]),
        new BigUint64Array([2n ** 64n - 1n]),
      ];
      for (const array of arrays) {
        const back = roundTrip(array);
        assert.equal(Object.getPrototypeOf(back), Object.getPrototypeOf(array));
        assert.deepEqual(back, array);
      }
    });

    it('keeps Buffer and Uint8Array apart inside a value', () => {
      const back = roundTrip({ b: Buffer.from('x'), u: new Uint8Array([1]) }) as {
        b: unknown;
        u: unknown;
      };
      assert.ok(Buffer.isBuffer(back.b));
      assert.ok(!Buffer.isBuffer(back.u) && back.u instanceof Uint8Array);
    });

    it('keeps cycles and shared references', () => {
      const shared = { s: 1 };
      const root: Record<string, unknown> = { a: shared, b: shared };
      root['self'] = root;
      const back = roundTrip(root) as Record<string, unknown>;
      assert.equal(back['self'], back);
      assert.equal(back['a'], back['b']);
      assert.deepEqual(back['a'], { s: 1 });
    });

    it('gives an object with a null prototype back with Object.prototype', () => {
      const value = Object.assign(Object.create(null) as object, { a: 1 });
      const back = roundTrip(value);
      assert.equal(Object.getPrototypeOf(back), Object.prototype);
      assert.deepEqual({ ...(back as object) }, { a: 1 });
    });

    it('round-trips an Error with its message', () => {
      const back = roundTrip(new RangeError('too big')) as Error;
      assert.ok(back instanceof RangeError);
      assert.equal(back.message, 'too big');
    });

    it('returns a class instance as a plain object without its methods', () => {
      class Point {
        constructor(
          readonly x: number,
          readonly y: number,
        ) {}
        norm(): number {
          return Math.hypot(this.x, this.y);
        }
      }
      const back = roundTrip(new Point(3, 4)) as Record<string, unknown>;
      assert.equal(Object.getPrototypeOf(back), Object.prototype);
      assert.equal(back['norm'], undefined);
      assert.deepEqual(back, { x: 3, y: 4 });
    });

    it('decodes a large aligned Float64Array as a view of the input', () => {
      const array = new Float64Array(1 << 20).map((_, i) => i * 0.5);
      const data = serialize(array);
      assert.equal(data.byteOffset % 8, 0);
      const back = deserialize(data) as Float64Array;
      assert.equal(back.buffer, data.buffer, 'zero-copy when aligned');
      assert.deepEqual(back, array);
    });

    it('decodes correctly from a misaligned copy of the bytes', () => {
      const array = new Float64Array([1, 2, 3, 4, 5, 6, 7, 8]);
      const data = serialize({ array });
      const shifted = Buffer.alloc(data.length + 3);
      shifted.set(data, 3);
      const back = deserialize(shifted.subarray(3)) as { array: Float64Array };
      assert.deepEqual(back.array, array);
    });

    it('writes the same v8 payload as v8.serialize after an 8-byte prefix', () => {
      const value = { a: [1, 2, 3], m: new Map([[1, 2]]) };
      const data = Buffer.from(serialize(value));
      assert.deepEqual(data.subarray(0, 8), Buffer.from('V8\n\0\0\0\0\0', 'latin1'));
      assert.deepEqual(data.subarray(8), v8.serialize(value));
    });
  });

  describe('values v8 cannot write', () => {
    it('rejects a function with a SerializationError naming it', () => {
      function handler(): number {
        return 1;
      }
      assert.throws(() => serialize(handler), (error: unknown) => {
        assert.ok(error instanceof SerializationError);
        assert.match(error.message, /Cannot serialize a function \(handler\)/);
        assert.match(error.message, /custom serializer/);
        assert.ok(error.cause instanceof Error);
        return true;
      });
    });

    it('names the path of a function deep inside a value', () => {
      const value = { config: { hooks: [1, () => 2] } };
      assert.throws(() => serialize(value), {
        name: 'SerializationError',
        message: /Cannot serialize a plain object .*value\.config\.hooks\[1\] is a function/,
      });
    });

    it('rejects symbols, WeakMaps and Promises', () => {
      assert.throws(() => serialize(Symbol('s')), {
        name: 'SerializationError',
        message: /Cannot serialize a symbol/,
      });
      assert.throws(() => serialize({ w: new WeakMap() }), {
        name: 'SerializationError',
        message: /value\.w is a WeakMap/,
      });
      assert.throws(() => serialize([Promise.resolve(1)]), {
        name: 'SerializationError',
        message: /value\[0\] is a Promise/,
      });
    });
  });

  describe('headers', () => {
    it('rejects data without an identifier', () => {
      for (const text of ['', 'B', 'BS', 'abc', 'BSX\nabc', '\u0000\u0000\n']) {
        assert.throws(() => deserialize(Buffer.from(text, 'latin1')), {
          name: 'SerializationError',
          message: /does not have a required identifier/,
        }, JSON.stringify(text));
      }
    });

    it('rejects an unknown identifier', () => {
      assert.throws(() => deserialize(Buffer.from('ZZ\nabc')), {
        name: 'SerializationError',
        message: /^Unknown identifier 'ZZ' for deserialization\./,
      });
    });

    it('explains that Python pickles cannot be read', () => {
      for (const id of ['PK', 'CP', 'NP', '03']) {
        assert.throws(() => deserialize(Buffer.from(`${id}\n\x80\x05`, 'latin1')), {
          name: 'SerializationError',
          message: new RegExp(`Unknown identifier '${id}'.*Python`),
        });
      }
    });

    it('rejects a corrupt v8 body with a SerializationError and cause', () => {
      const bad = Buffer.from('V8\n\0\0\0\0\0garbage', 'latin1');
      assert.throws(() => deserialize(bad), (error: unknown) => {
        assert.ok(error instanceof SerializationError);
        assert.match(error.message, /identifier 'V8' using the v8 deserializer/);
        assert.ok(error.cause !== undefined);
        return true;
      });
      assert.throws(() => deserialize(Buffer.from('V8\nxx')), {
        name: 'SerializationError',
      });
    });

    it('throws a TypeError for input that is not a Uint8Array', () => {
      for (const input of ['US\nabc', null, [66, 83, 10], new ArrayBuffer(4)]) {
        assert.throws(() => deserialize(input as unknown as Uint8Array), {
          name: 'TypeError',
          message: /Expected data to be a Uint8Array/,
        });
      }
    });
  });
});
