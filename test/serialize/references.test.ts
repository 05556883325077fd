import assert from 'node:assert/strict';
import { beforeEach, describe, it } from 'node:test';

import { InvalidArgumentError, SerializationError } from '../../src/errors.js';
import { ProxyLocker } from '../../src/proxy/locker.js';
import {
  createProxy,
  extract,
  getProxyKind,
  isProxy,
} from '../../src/proxy/proxy.js';
import { referenceOf } from '../../src/proxy/reference.js';
import {
  fromReference,
  isFactoryTypeRegistered,
  proxiesToReferences,
  registerFactoryType,
  reviveProxies,
} from '../../src/serialize/index.js';
import { calls, LocalOnlyFactory, TestFactory } from './fixtures/test-factory.js';

function proxyOf(name: string, kind?: 'array' | 'object' | 'map'): unknown {
  return createProxy(new TestFactory(name), kind === undefined ? {} : { kind });
}

function resetCalls(): void {
  calls.sync = 0;
  calls.async = 0;
}

describe('registerFactoryType()', () => {
  it('accepts the same function twice and rejects another one', () => {
    const build = (): TestFactory => new TestFactory('list');
    registerFactoryType('twice', build);
    registerFactoryType('twice', build);
    assert.ok(isFactoryTypeRegistered('twice'));

    assert.throws(() => registerFactoryType('twice', () => new TestFactory('x')), {
      name: 'InvalidArgumentError',
      message: /Invalid type \("twice"\)/,
    });
    assert.throws(() => registerFactoryType('', build), InvalidArgumentError);
  });
});

describe('fromReference()', () => {
  beforeEach(resetCalls);

  it('builds a proxy of the recorded kind without calling the factory', () => {
    const p = fromReference({
      $proxystore: 'proxy',
      v: 1,
      kind: 'array',
      factory: { type: 'test', name: 'list' },
    }) as number[];

    assert.ok(isProxy(p));
    assert.ok(Array.isArray(p));
    assert.equal(calls.sync + calls.async, 0);
    assert.deepEqual([...p], [1, 2, 3]);
  });

  it('rejects an unknown factory type, naming it, and never loads code', () => {
    const reference = {
      $proxystore: 'proxy' as const,
      v: 1 as const,
      kind: 'object' as const,
      factory: { type: './evil.js', module: 'node:child_process' },
    };
    assert.throws(() => fromReference(reference), {
      name: 'SerializationError',
      message: /Unknown factory type '\.\/evil\.js'.*registerFactoryType/,
    });
  });

  it('rejects a value that is not a reference', () => {
    assert.throws(() => fromReference({ v: 1 } as never), SerializationError);
  });

  it('wraps a failing factory builder in a SerializationError', () => {
    const reference = {
      $proxystore: 'proxy' as const,
      v: 1 as const,
      kind: 'object' as const,
      factory: { type: 'test' },
    };
    assert.throws(() => fromReference(reference), (error: unknown) => {
      assert.ok(error instanceof SerializationError);
      assert.match(error.message, /factory of type 'test'.*has a name/);
      assert.ok(error.cause instanceof Error);
      return true;
    });
  });
});

describe('proxiesToReferences()', () => {
  beforeEach(resetCalls);

  it('returns data without proxies unchanged and uncopied', () => {
    const inner = { b: [1, 2, { c: new Map([[1, new Set([2])]]) }] };
    const value = { a: inner, d: new Date(0), u: new Uint8Array(2) };
    assert.equal(proxiesToReferences(value), value);
    assert.equal(proxiesToReferences('text'), 'text');
    assert.equal(proxiesToReferences(null), null);
  });

  it('replaces a proxy by its reference without resolving it', () => {
    const p = proxyOf('list', 'array');
    assert.deepEqual(proxiesToReferences(p), referenceOf(p));
    assert.deepEqual(proxiesToReferences(p), {
      $proxystore: 'proxy',
      v: 1,
      kind: 'array',
      factory: { type: 'test', name: 'list' },
    });
    assert.equal(calls.sync + calls.async, 0);
  });

  it('copies only the containers that lead to a proxy', () => {
    const p = proxyOf('object');
    const untouched = { deep: [1, 2] };
    const value = { keep: untouched, path: { list: [0, p] }, n: 1 };

    const out = proxiesToReferences(value) as typeof value;
    assert.notEqual(out, value);
    assert.notEqual(out.path, value.path);
    assert.notEqual(out.path.list, value.path.list);
    assert.equal(out.keep, untouched, 'a branch without proxies is shared');
    assert.equal(out.n, 1);
    assert.deepEqual(out.path.list[1], referenceOf(p));
    assert.equal(value.path.list[1], p, 'the input is not changed');
    assert.equal(calls.sync + calls.async, 0);
  });

  it('handles Map keys and values, Sets and class instances', () => {
    class Holder {
      constructor(readonly item: unknown) {}
    }
    const p = proxyOf('map', 'map');
    const value = {
      map: new Map<unknown, unknown>([[p, 'key'], ['value', p]]),
      set: new Set([p, 1]),
      holder: new Holder(p),
    };

    const out = proxiesToReferences(value) as {
      map: Map<unknown, unknown>;
      set: Set<unknown>;
      holder: Holder;
    };
    const [firstKey] = out.map.keys();
    assert.deepEqual(firstKey, referenceOf(p));
    assert.deepEqual(out.map.get('value'), referenceOf(p));
    assert.equal(out.set.size, 2);
    assert.ok(out.holder instanceof Holder);
    assert.deepEqual(out.holder.item, referenceOf(p));
    assert.equal(calls.sync + calls.async, 0);
  });

  it('keeps cycles and gives one proxy one reference object', () => {
    const p = proxyOf('list', 'array');
    const root: Record<string, unknown> = { a: p, b: [p] };
    root['self'] = root;
    (root['b'] as unknown[]).push(root);

    const out = proxiesToReferences(root) as Record<string, unknown>;
    assert.notEqual(out, root);
    assert.equal(out['self'], out);
    assert.equal((out['b'] as unknown[])[1], out);
    assert.equal((out['b'] as unknown[])[0], out['a']);
  });

  it('copies a "__proto__" key as an own property, not a prototype', () => {
    const value = JSON.parse('{"__proto__": {"polluted": 1}, "list": []}') as {
      list: unknown[];
    };
    value.list.push(proxyOf('object'));

    const out = proxiesToReferences(value) as Record<string, unknown>;
    assert.notEqual(out, value);
    assert.equal(Object.getPrototypeOf(out), Object.prototype);
    assert.ok(Object.hasOwn(out, '__proto__'));
    assert.equal(({} as Record<string, unknown>)['polluted'], undefined);

    const back = reviveProxies(out) as Record<string, unknown>;
    assert.equal(Object.getPrototypeOf(back), Object.prototype);
    assert.deepEqual(Object.getOwnPropertyDescriptor(back, '__proto__')?.value, {
      polluted: 1,
    });
  });

  it('writes a ProxyLocker as a locker reference', () => {
    const p = proxyOf('list', 'array');
    const out = proxiesToReferences({ locked: new ProxyLocker(p) });
    assert.deepEqual(out, {
      locked: { $proxystore: 'locker', proxy: referenceOf(p) },
    });
    assert.equal(calls.sync + calls.async, 0);
  });

  it('throws a SerializationError for a locker that holds no proxy', () => {
    assert.throws(() => proxiesToReferences([new ProxyLocker({ a: 1 })]), {
      name: 'SerializationError',
      message: /ProxyLocker that holds a value which is not a proxy/,
    });
  });

  it('throws a SerializationError for a proxy whose factory has no reference', () => {
    const p = createProxy(new LocalOnlyFactory());
    assert.throws(() => proxiesToReferences({ p }), {
      name: 'SerializationError',
      message: /toReference/,
    });
  });
});

describe('reviveProxies()', () => {
  beforeEach(resetCalls);

  it('works as a JSON.parse reviver after JSON.stringify of proxies', () => {
    const list = proxyOf('list', 'array');
    const obj = proxyOf('object');
    const text = JSON.stringify({
      list,
      nested: [{ obj }],
      locker: new ProxyLocker(list),
      plain: { n: 1 },
    });
    assert.equal(calls.sync + calls.async, 0, 'stringify does not resolve');

    const back = JSON.parse(text, reviveProxies) as {
      list: number[];
      nested: [{ obj: { a: number } }];
      locker: ProxyLocker<number[]>;
      plain: unknown;
    };
    assert.ok(isProxy(back.list));
    assert.ok(Array.isArray(back.list));
    assert.equal(getProxyKind(back.nested[0].obj), 'object');
    assert.ok(back.locker instanceof ProxyLocker);
    assert.ok(isProxy(back.locker.unlock()));
    assert.deepEqual(back.plain, { n: 1 });
    assert.equal(calls.sync + calls.async, 0, 'reviving does not resolve');

    assert.deepEqual([...back.list], [1, 2, 3]);
    assert.equal(back.nested[0].obj.a, 1);
    assert.deepEqual(extract(back.locker.unlock()), [1, 2, 3]);
  });

  it('revives deeply when called with one argument, copying on write', () => {
    const ref = referenceOf(proxyOf('list', 'array'));
    const keep = { x: 1 };
    const value = { a: [ref, ref], keep, m: new Map([['r', ref]]) };

    const back = reviveProxies(value) as {
      a: unknown[];
      keep: unknown;
      m: Map<string, unknown>;
    };
    assert.ok(isProxy(back.a[0]));
    assert.equal(back.a[0], back.a[1], 'one reference object gives one proxy');
    assert.ok(isProxy(back.m.get('r')));
    assert.equal(back.keep, keep);
    assert.equal(value.a[0], ref, 'the input is not changed');
    assert.equal(calls.sync + calls.async, 0);
  });

  it('returns data without references unchanged', () => {
    const value = { a: [1, { b: 2 }] };
    assert.equal(reviveProxies(value), value);
    assert.equal(reviveProxies(5), 5);
  });

  it('leaves proxies and lockers in the value alone without resolving', () => {
    const p = proxyOf('list', 'array');
    const locker = new ProxyLocker(p);
    const value = { p, locker };
    assert.equal(reviveProxies(value), value);
    assert.equal(calls.sync + calls.async, 0);
  });

  it('does not revive objects that only resemble a reference', () => {
    const lookalikes = [
      { $proxystore: 'proxy', v: 2, kind: 'object', factory: { type: 'test' } },
      { $proxystore: 'proxy', v: 1, kind: 'nope', factory: { type: 'test' } },
      { $proxystore: 'proxy', v: 1, kind: 'object', factory: { type: 'test' }, x: 1 },
      { $proxystore: 'locker', proxy: { v: 1 } },
    ];
    for (const item of lookalikes) {
      assert.equal(reviveProxies(item), item);
      assert.deepEqual(JSON.parse(JSON.stringify(item), reviveProxies), item);
    }
  });

  it('throws a SerializationError for an unknown factory type', () => {
    const text = JSON.stringify({
      $proxystore: 'proxy',
      v: 1,
      kind: 'object',
      factory: { type: 'unregistered-type' },
    });
    assert.throws(() => JSON.parse(text, reviveProxies), {
      name: 'SerializationError',
      message: /'unregistered-type'/,
    });
  });
});
