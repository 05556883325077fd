// C24: the promise machinery reads `then` on every value it settles. A proxy
// must neither hang `await` nor resolve because of it (proxy level).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { inspect } from 'node:util';

import { ProxyResolveError } from '../../src/errors.js';
import { createProxy, isResolved, type ProxyKind } from '../../src/proxy/index.js';
import { CountingFactory, TEST_REFERENCE } from '../proxy/counting-factory.js';

/** Settles with the promise's outcome, or rejects after 1 s (a hang). */
async function withinOneSecond<T>(promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const hang = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error('await hung for 1 s')), 1000);
  });

  try {
    return await Promise.race([promise, hang]);
  } finally {
    clearTimeout(timer);
  }
}

function counted<T>(make: () => T, kind: ProxyKind, error?: unknown) {
  const factory = new CountingFactory(make, { reference: TEST_REFERENCE, error });
  return { factory, p: createProxy(factory, { kind }) };
}

describe('C24: awaiting a proxy', { timeout: 10_000 }, () => {
  it('await of an async function returning a proxy settles with the same proxy', async () => {
    const { factory, p } = counted(() => ({ a: 1 }), 'object');
    const make = async (): Promise<unknown> => p;

    assert.equal(await withinOneSecond(make()), p);
    assert.equal(factory.calls, 0);
  });

  it('Promise.resolve(p) and Promise.all([p]) do no factory call', async () => {
    const { factory, p } = counted(() => new Map(), 'map');

    assert.equal(await withinOneSecond(Promise.resolve(p)), p);
    assert.deepEqual(await withinOneSecond(Promise.all([p, p])), [p, p]);
    assert.equal(await withinOneSecond(Promise.allSettled([p])).then((r) => r.length), 1);
    assert.equal(factory.calls, 0);
    assert.equal(isResolved(p), false);
  });

  it('a proxy whose factory would fail still awaits to itself', async () => {
    const { factory, p } = counted(() => ({}), 'object', new Error('gone'));
    assert.equal(await withinOneSecond((async () => p)()), p);
    assert.equal(factory.calls, 0);
  });

  it('a resolved proxy of an object with a then method does not hang', async () => {
    const target = { then: (): void => {} }; // would hang a naive proxy forever
    const p: unknown = createProxy(() => target, { kind: 'object', target });

    assert.equal(isResolved(p), true);
    assert.equal((p as { then?: unknown }).then, undefined);
    assert.equal(await withinOneSecond((async (): Promise<unknown> => p)()), p);
  });

  it("a non-callable then of a resolved target is kept ('then' as data)", () => {
    const p = createProxy(() => ({ then: 5 }), { target: { then: 5 } });
    assert.equal(p.then, 5);
  });

  it("the 'thenable' kind forwards then: await gives the promise's value", async () => {
    const { factory, p } = counted(() => Promise.resolve('v'), 'thenable');

    assert.equal(await withinOneSecond((async () => p)()), 'v');
    assert.equal(factory.syncCalls, 1);
  });

  it("a failing 'thenable' proxy rejects the await, never hangs", async () => {
    const boom = new Error('gone');
    const { p } = counted(() => Promise.resolve(1), 'thenable', boom);

    await assert.rejects(
      withinOneSecond((async () => p)()),
      (err: unknown) => err instanceof ProxyResolveError && err.cause === boom,
    );
  });
});

describe('C24: other probe keys while unresolved', () => {
  it('toJSON: the reference, no I/O', () => {
    const { factory, p } = counted(() => ({ a: 1 }), 'object');
    const toJSON = (p as { toJSON?: () => unknown }).toJSON;

    assert.equal(typeof toJSON, 'function');
    assert.deepEqual(toJSON?.(), JSON.parse(JSON.stringify(p)));
    assert.equal(factory.calls, 0);
  });

  it('util.inspect.custom: the inspect hook, no I/O', () => {
    const { factory, p } = counted(() => ({ a: 1 }), 'object');
    const hook = (p as Record<symbol, unknown>)[inspect.custom];

    assert.equal(typeof hook, 'function');
    assert.equal(inspect(p), 'Proxy<unresolved kind=object factory=CountingFactory>');
    assert.equal(factory.calls, 0);
  });

  it('$$typeof: undefined while unresolved, the target value afterwards', () => {
    const element = { $$typeof: Symbol.for('react.element') };
    const { factory, p } = counted(() => element, 'object');

    assert.equal(p.$$typeof, undefined);
    assert.equal(factory.calls, 0);
    assert.equal(Object.keys(p).length, 1);
    assert.equal(p.$$typeof, element.$$typeof);
  });

  it('constructor: built-in kinds answer without I/O, others resolve', () => {
    const date = counted(() => new Date(0), 'date');
    assert.equal(date.p.constructor, Date);
    assert.equal(date.factory.calls, 0);

    const plain = counted(() => ({ constructor: 'data' }), 'object');
    assert.equal(plain.p.constructor, 'data', 'plain data may own a constructor key');
    assert.equal(plain.factory.calls, 1);
  });

  it('Symbol.toPrimitive and Symbol.iterator resolve (value operations)', () => {
    const str = counted(() => 'ab', 'string');
    assert.equal(`${str.p}`, 'ab');
    assert.equal(str.factory.calls, 1);

    const arr = counted(() => [1, 2], 'array');
    assert.equal(typeof arr.p[Symbol.iterator], 'function');
    assert.equal(arr.factory.calls, 1);
  });

  it('none of them hang or throw while the factory fails, except value reads', () => {
    const { p } = counted(() => ({}), 'object', new Error('gone'));
    const probe = p as Record<PropertyKey, unknown>;

    assert.equal(probe['then'], undefined);
    assert.equal(typeof probe['toJSON'], 'function');
    assert.equal(typeof probe[inspect.custom], 'function');
    assert.equal(probe['$$typeof'], undefined);
    assert.throws(() => probe[Symbol.iterator], ProxyResolveError);
    assert.throws(() => probe[Symbol.toPrimitive], ProxyResolveError);
  });
});
