// C20: class #private members through a proxy (proxy level, counting factory).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { createProxy, extract } from '../../src/proxy/index.js';
import { CountingFactory } from '../proxy/counting-factory.js';

class Counter {
  #count = 0;

  inc(): number {
    this.#count += 1;
    return this.#count;
  }

  get count(): number {
    return this.#count;
  }

  set count(value: number) {
    this.#count = value;
  }

  static hasBrand(value: object): boolean {
    return #count in value;
  }
}

function counterProxy(): { factory: CountingFactory<Counter>; p: Counter } {
  const factory = new CountingFactory(() => new Counter());
  return { factory, p: createProxy(factory, { kind: 'instance' }) };
}

describe('C20: #private fields through a proxy', () => {
  it('p.inc() returns 1 and p.count is 1', () => {
    const { factory, p } = counterProxy();

    assert.equal(p.inc(), 1);
    assert.equal(p.count, 1);
    assert.equal(extract(p).count, 1, 'the real instance changed');
    assert.equal(factory.syncCalls, 1);
  });

  it('a setter runs with the target as receiver', () => {
    const { p } = counterProxy();
    p.count = 10;
    assert.equal(p.inc(), 11);
  });

  it('p.inc === p.inc (bound once per property)', () => {
    const { p } = counterProxy();
    assert.equal(p.inc, p.inc);

    const inc = p.inc;
    assert.equal(inc(), 1, 'a detached bound method still reaches #count');
  });

  it('Counter.prototype.inc.call(p) throws: brand checks cannot pass a proxy', () => {
    const { p } = counterProxy();
    assert.throws(
      () => Counter.prototype.inc.call(p),
      (err: unknown) => err instanceof TypeError && /private member/.test(err.message),
    );
    assert.equal(Counter.prototype.inc.call(extract(p)), 1, 'extract(p) passes');
  });

  it('#count in p is false (documented limit)', () => {
    const { p } = counterProxy();
    assert.equal(Counter.hasBrand(p), false);
    assert.equal(Counter.hasBrand(extract(p)), true);
  });
});
