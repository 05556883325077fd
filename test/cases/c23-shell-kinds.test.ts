// C23: the shell fixes typeof, callability and Array.isArray at creation
// (proxy level). The kind is recorded in the reference, so a proxy rebuilt
// from the reference gets the same shell. The round trip through another
// process is tested with the serialize helpers.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
  createProxy,
  getProxyKind,
  isProxyReference,
  referenceOf,
  type ProxyKind,
} from '../../src/proxy/index.js';
import { CountingFactory, TEST_REFERENCE } from '../proxy/counting-factory.js';

class K {
  readonly made = true;
}

interface Row {
  label: string;
  make: () => unknown;
  kind: ProxyKind;
  typeof: string;
  isArray: boolean;
  json: string | undefined;
}

const ROWS: Row[] = [
  {
    label: '[1, 2]',
    make: () => [1, 2],
    kind: 'array',
    typeof: 'object',
    isArray: true,
    json: '[1,2]',
  },
  {
    label: '() => 42',
    make: () => () => 42,
    kind: 'function',
    typeof: 'function',
    isArray: false,
    json: undefined,
  },
  {
    label: 'class K',
    make: () => K,
    kind: 'class',
    typeof: 'function',
    isArray: false,
    json: undefined,
  },
  {
    label: '{ a: 1 }',
    make: () => ({ a: 1 }),
    kind: 'object',
    typeof: 'object',
    isArray: false,
    json: '{"a":1}',
  },
];

/** Calls and constructs the proxy; answers what happened. */
function callAndNew(p: unknown): { call: unknown; construct: unknown } {
  const attempt = (f: () => unknown): unknown => {
    try {
      return f();
    } catch (err) {
      return err instanceof TypeError ? 'TypeError' : err;
    }
  };
  const fn = p as () => unknown;
  const ctor = p as new () => unknown;
  return { call: attempt(() => fn()), construct: attempt(() => new ctor()) };
}

describe('C23: shells per kind', () => {
  for (const row of ROWS) {
    describe(`a proxy of ${row.label}`, () => {
      it('records the kind from the target (populated)', () => {
        const p = createProxy(row.make, { target: row.make() });
        assert.equal(getProxyKind(p), row.kind);
      });

      it('has typeof and Array.isArray of the kind, before resolving', () => {
        const factory = new CountingFactory(row.make);
        const p = createProxy(factory, { kind: row.kind });

        assert.equal(typeof p, row.typeof);
        assert.equal(Array.isArray(p), row.isArray);
        assert.equal(factory.calls, 0);
      });

      it('calls and constructs as the target does', () => {
        const p = createProxy(row.make, { kind: row.kind });
        const { call, construct } = callAndNew(p);

        if (row.kind === 'function') {
          assert.equal(call, 42);
          assert.equal(construct, 'TypeError', 'an arrow is not a constructor');
        } else if (row.kind === 'class') {
          assert.equal(call, 'TypeError', 'a class needs new');
          assert.ok(construct instanceof K);
        } else {
          assert.deepEqual([call, construct], ['TypeError', 'TypeError']);
        }
      });

      it('JSON.stringify gives the value without a reference', () => {
        const p = createProxy(row.make, { kind: row.kind });
        assert.equal(JSON.stringify(p), row.json);
      });

      it('JSON.stringify gives a reference carrying the kind; a rebuilt proxy matches', () => {
        const factory = new CountingFactory(row.make, { reference: TEST_REFERENCE });
        const p = createProxy(factory, { kind: row.kind });

        const reference: unknown = JSON.parse(JSON.stringify(p));
        assert.ok(isProxyReference(reference));
        assert.deepEqual(reference, referenceOf(p));
        assert.equal(reference.kind, row.kind);
        assert.equal(factory.calls, 0);

        const rebuilt = createProxy(factory, { kind: reference.kind });
        assert.equal(typeof rebuilt, row.typeof);
        assert.equal(Array.isArray(rebuilt), row.isArray);
      });
    });
  }

  it('without a kind, a proxy uses the documented default (object)', () => {
    const p = createProxy(() => [1, 2]);
    assert.equal(getProxyKind(p), 'object');
    assert.equal(typeof p, 'object');
    assert.equal(Array.isArray(p), false);
  });
});
