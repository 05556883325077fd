import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

import { createProxy } from '../../src/proxy/proxy.js';
import { serialize } from '../../src/serialize/index.js';
import { calls, TestFactory } from './fixtures/test-factory.js';

// C23 (after a round trip to another process): a revived proxy has the
// typeof, Array.isArray and callability of the kind recorded on this side.

const CHILD = fileURLToPath(new URL('./fixtures/revive-child.ts', import.meta.url));
const TIMEOUT_MS = 20_000;

const children = new Set<ChildProcess>();

function runChild(input: unknown): Promise<unknown> {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD], {
    stdio: ['pipe', 'pipe', 'pipe'],
    timeout: TIMEOUT_MS,
  });
  children.add(child);

  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (text: string) => (out += text));
  child.stderr.setEncoding('utf8').on('data', (text: string) => (err += text));
  child.stdin.end(JSON.stringify(input));

  return new Promise((done, fail) => {
    child.on('error', fail);
    child.on('close', (code, signal) => {
      children.delete(child);
      if (code === 0) done(JSON.parse(out));
      else fail(new Error(`child exited with ${code ?? signal}: ${err}`));
    });
  });
}

describe('proxies after a round trip to another process', () => {
  after(() => {
    for (const child of children) child.kill('SIGKILL');
  });

  const options = { timeout: TIMEOUT_MS + 5_000 };
  it('keep their kind: typeof, Array.isArray, call and new', options, async () => {
    const proxies = {
      list: createProxy(new TestFactory('list'), { kind: 'array' }),
      fn: createProxy(new TestFactory('function'), { kind: 'function' }),
      klass: createProxy(new TestFactory('class'), { kind: 'class' }),
      obj: createProxy(new TestFactory('object'), { kind: 'object' }),
    };
    const input = {
      json: JSON.stringify(proxies),
      bytes: Buffer.from(serialize(proxies)).toString('base64'),
    };
    assert.equal(calls.sync + calls.async, 0);

    const report = (await runChild(input)) as Record<string, Record<string, unknown>>;
    const referenceJson = (name: string, kind: string): string =>
      JSON.stringify({
        $proxystore: 'proxy',
        v: 1,
        kind,
        factory: { type: 'test', name },
      });

    for (const channel of ['json', 'bytes']) {
      const seen = report[channel] as Record<string, Record<string, unknown>>;
      assert.deepEqual(seen['list'], {
        isProxy: true,
        kind: 'array',
        typeof: 'object',
        isArray: true,
        callable: false,
        json: referenceJson('list', 'array'),
        data: '[1,2,3]',
      }, channel);
      assert.deepEqual(seen['fn'], {
        isProxy: true,
        kind: 'function',
        typeof: 'function',
        isArray: false,
        callable: true,
        json: referenceJson('function', 'function'),
        call: 42,
      }, channel);
      assert.deepEqual(seen['klass'], {
        isProxy: true,
        kind: 'class',
        typeof: 'function',
        isArray: false,
        callable: true,
        json: referenceJson('class', 'class'),
        construct: 7,
      }, channel);
      assert.deepEqual(seen['obj'], {
        isProxy: true,
        kind: 'object',
        typeof: 'object',
        isArray: false,
        callable: false,
        json: referenceJson('object', 'object'),
        data: '{"a":1,"nested":{"b":"two"}}',
      }, channel);
    }
    assert.equal(calls.sync + calls.async, 0, 'this side never resolved');
  });
});
