// References and store configs from the wire are checked when they are read:
// a malformed store config is a SerializationError at revive time (never a
// TypeError at the first access), an unknown connector kind fails at once
// without starting the bridge, and a locker reference has an exact shape.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
  getOrCreateStore,
  InvalidArgumentError,
  isProxy,
  LocalStore,
  ProxyLocker,
  ProxyResolveError,
  registerStore,
  reviveProxies,
  SerializationError,
  UnknownConnectorKindError,
  type ProxyReference,
} from '../../src/index.js';

const store = new LocalStore(`hardening-refs-${process.pid}`);
const proxy = await store.proxy({ v: 1 });
const good = JSON.parse(JSON.stringify(proxy)) as ProxyReference;

/** The reference with its factory's store config changed by `edit`. */
function withStore(edit: (config: Record<string, unknown>) => unknown): string {
  const ref = structuredClone(good) as unknown as {
    factory: { store: Record<string, unknown> };
  };
  const replaced = edit(ref.factory.store);
  if (replaced !== undefined) ref.factory.store = replaced as Record<string, unknown>;
  return JSON.stringify({ data: ref });
}

describe('malformed store configs in references', () => {
  const cases: [string, (c: Record<string, unknown>) => unknown][] = [
    ['an empty store config', () => ({})],
    ['a numeric store name', (c) => void (c['name'] = 5)],
    ['an empty store name', (c) => void (c['name'] = '')],
    ['a connector without options', (c) => void (c['connector'] = { kind: 'local' })],
    ['a connector that is a string', (c) => void (c['connector'] = 'local')],
    ['a numeric connector kind', (c) => void (c['connector'] = { kind: 1, options: {} })],
    ['a numeric deserializer name', (c) => void (c['deserializer'] = 7)],
    ['a string cacheSize', (c) => void (c['cacheSize'] = '16')],
  ];

  for (const [label, edit] of cases) {
    it(`${label}: SerializationError when revived`, () => {
      assert.throws(
        () => JSON.parse(withStore(edit), reviveProxies),
        (err: unknown) =>
          err instanceof SerializationError && err.cause instanceof InvalidArgumentError,
      );
    });
  }

  it('an array key is refused when revived', () => {
    const ref = structuredClone(good) as unknown as { factory: { key: unknown } };
    ref.factory.key = ['x'];
    assert.throws(() => JSON.parse(JSON.stringify(ref), reviveProxies), SerializationError);
  });
});

describe('an unknown connector kind', () => {
  it('fails at the first access with UnknownConnectorKindError as cause', () => {
    const text = withStore((c) => {
      c['name'] = `hardening-unknown-kind-${process.pid}`;
      c['connector'] = { kind: 'no-such-kind', options: {} };
    });
    const { data } = JSON.parse(text, reviveProxies) as { data: { v: number } };
    assert.ok(isProxy(data));

    assert.throws(
      () => data.v,
      (err: unknown) =>
        err instanceof ProxyResolveError && err.cause instanceof UnknownConnectorKindError,
    );
  });
});

describe('locker references', () => {
  it('a locker reference with another key is left as data', () => {
    const text = JSON.stringify({ $proxystore: 'locker', proxy: good, note: 'kept' });
    const value = JSON.parse(text, reviveProxies) as Record<string, unknown>;

    assert.equal(value instanceof ProxyLocker, false);
    assert.equal(value['note'], 'kept');
    assert.equal(reviveProxies(JSON.parse(text)) instanceof ProxyLocker, false);
  });

  it('an exact locker reference is revived', () => {
    const text = JSON.stringify({ $proxystore: 'locker', proxy: good });
    assert.ok(JSON.parse(text, reviveProxies) instanceof ProxyLocker);
    assert.ok(reviveProxies(JSON.parse(text)) instanceof ProxyLocker);
  });
});

describe('registry functions on bad arguments', () => {
  it('registerStore and getOrCreateStore refuse non-stores and bad configs', () => {
    assert.throws(() => registerStore(null as never), InvalidArgumentError);
    assert.throws(() => registerStore({} as never), InvalidArgumentError);
    assert.throws(() => getOrCreateStore(null as never), InvalidArgumentError);
    assert.throws(() => getOrCreateStore({} as never), InvalidArgumentError);
    assert.throws(
      () => getOrCreateStore({ name: 'x', connector: { kind: 'local' } } as never),
      InvalidArgumentError,
    );
  });
});
