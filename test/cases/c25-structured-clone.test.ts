import assert from 'node:assert/strict';
import { once } from 'node:events';
import v8 from 'node:v8';
import { after, before, describe, it } from 'node:test';
import { MessageChannel, Worker } from 'node:worker_threads';

import {
  createProxy,
  extract,
  getProxyKind,
  isProxy,
} from '../../src/proxy/proxy.js';
import {
  deserialize,
  postMessageWithProxies,
  serialize,
} from '../../src/serialize/index.js';
import { calls, TestFactory } from '../serialize/fixtures/test-factory.js';

// C25: proxies cannot go through structured clone or v8.serialize as they
// are; the library writes them as references and revives them on the other
// side.

const WORKER_URL = new URL('../serialize/fixtures/revive-worker.ts', import.meta.url);

function listProxy(): number[] {
  return createProxy(new TestFactory('list'), { kind: 'array' }) as number[];
}

describe('C25: proxies and structured clone', { timeout: 30_000 }, () => {
  let worker: Worker | undefined;

  before(async () => {
    // Node 20's tsx hooks do not reach worker threads: register them there.
    const tsx = JSON.stringify(import.meta.resolve('tsx/esm/api'));
    const code =
      `import(${tsx}).then((api) => { api.register(); ` +
      `return import(${JSON.stringify(WORKER_URL.href)}); });`;
    worker = new Worker(code, { eval: true });
    const [first] = (await once(worker, 'message')) as [unknown];
    assert.equal(first, 'ready');
  });

  after(async () => {
    await worker?.terminate();
  });

  function ask(value: unknown): Promise<unknown> {
    const w = worker as Worker;
    const reply = once(w, 'message').then(([message]) => message as unknown);
    postMessageWithProxies(w, value);
    return reply;
  }

  it('raw postMessage of a proxy throws DataCloneError, alone or nested', () => {
    const p = listProxy();
    const w = worker as Worker;
    for (const message of [p, { data: p }]) {
      assert.throws(() => w.postMessage(message), {
        name: 'DataCloneError',
        message: /could not be cloned/,
      });
    }
    assert.equal(calls.sync + calls.async, 0);
  });

  it('raw structuredClone and v8.serialize of a proxy still throw', () => {
    const p = listProxy();
    assert.throws(() => structuredClone(p), { name: 'DataCloneError' });
    assert.throws(() => structuredClone({ data: [p] }), { name: 'DataCloneError' });
    assert.throws(() => v8.serialize({ data: p }), /could not be cloned/);
  });

  it('postMessageWithProxies revives a proxy in a real worker that resolves there', async () => {
    calls.sync = 0;
    calls.async = 0;
    const p = listProxy();

    const reply = await ask({ data: p, other: { n: 1, when: new Date(9) } });
    assert.deepEqual(reply, {
      isProxy: true,
      kind: 'array',
      isArray: true,
      value: [1, 2, 3],
      other: { n: 1, when: new Date(9) },
    });
    assert.equal(calls.sync + calls.async, 0, 'the sender never resolved');
  });

  it('postMessageWithProxies passes a transfer list through', async () => {
    const { port1, port2 } = new MessageChannel();
    try {
      const bytes = new Uint8Array([1, 2, 3]);
      const got = once(port2, 'message');
      postMessageWithProxies(port1, { data: listProxy(), bytes }, [bytes.buffer]);
      assert.equal(bytes.byteLength, 0, 'the buffer was transferred');

      const [message] = (await got) as [{ data: unknown; bytes: Uint8Array }];
      assert.deepEqual([...message.bytes], [1, 2, 3]);
      assert.equal((message.data as { $proxystore: string }).$proxystore, 'proxy');
    } finally {
      port1.close();
      port2.close();
    }
  });

  it('a proxy of a proxy stores only the inner reference', () => {
    const inner = listProxy();
    const stored = serialize(inner);
    assert.equal(Buffer.from(stored.subarray(0, 2)).toString(), 'VR');
    assert.ok(stored.length < 300, `${stored.length} bytes`);

    const outer = createProxy(() => deserialize(stored) as number[], {
      kind: getProxyKind(inner),
    });
    assert.ok(Array.isArray(outer));
    const revivedInner = extract(outer);
    assert.ok(isProxy(revivedInner), 'the outer target is the inner proxy');
    assert.equal(outer[0], 1);
    assert.deepEqual([...outer], [1, 2, 3]);
  });
});
