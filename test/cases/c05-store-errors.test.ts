// C05: errors inside the factory or the deserializer are surfaced as library
// errors carrying the original as `cause`, never masked by a trap.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
  isResolved,
  LocalStore,
  ProxyResolveError,
  resolve,
  SerializationError,
  Store,
} from '../../src/index.js';
import { CountingConnector } from '../helpers/counting-connector.js';

function isWrapped(err: unknown, cause: Error): boolean {
  // ProxyResolveError whose cause is the SerializationError whose cause is ours.
  if (!(err instanceof ProxyResolveError)) return false;
  const ser = err.cause;
  return ser instanceof SerializationError && ser.cause === cause && /boom/.test(ser.message);
}

describe('C05: failures in (de)serializers', () => {
  it('every access of a proxy whose deserializer throws raises a library error', async () => {
    const store = new LocalStore(`c05-${process.pid}`, { register: true });
    const boom = new TypeError('boom');
    const deserializer = (): never => {
      throw boom;
    };
    const p = await store.proxy([1, 2, 3], { deserializer, populateTarget: false });

    assert.throws(() => String(p), (e) => isWrapped(e, boom));
    assert.throws(() => p.length, (e) => isWrapped(e, boom));
    assert.throws(() => p[0], (e) => isWrapped(e, boom));
    await assert.rejects(resolve(p), (e) => isWrapped(e, boom));
    assert.equal(isResolved(p), false, 'a failed resolve is not cached; the next access retries');
    await store.close();
  });

  it('the SerializationError names the key and the deserializer', async () => {
    const store = new LocalStore(`c05b-${process.pid}`);
    const key = await store.put('x');
    await assert.rejects(
      store.get(key, {
        deserializer: function myDecoder(): never {
          throw new Error('boom');
        },
      }),
      (err: unknown) =>
        err instanceof SerializationError &&
        err.key === key &&
        err.message.includes('myDecoder') &&
        err.message.includes(key.id),
    );
  });

  it('a serializer that throws fails put() before any connector write', async () => {
    const connector = new CountingConnector();
    const store = new Store(`c05c-${process.pid}`, connector);
    const boom = new Error('boom');
    await assert.rejects(
      store.put({ a: 1 }, {
        serializer: () => {
          throw boom;
        },
      }),
      (err: unknown) => err instanceof SerializationError && err.cause === boom,
    );
    await assert.rejects(
      store.proxy({ a: 1 }, {
        serializer: () => {
          throw boom;
        },
      }),
      SerializationError,
    );
    assert.equal(connector.puts, 0);
  });
});
