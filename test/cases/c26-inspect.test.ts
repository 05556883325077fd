// C26: console.log / util.inspect of a lazy proxy: deterministic output,
// no I/O before resolution, the target afterwards, never a throw.
import assert from 'node:assert/strict';
import { Console } from 'node:console';
import { describe, it } from 'node:test';
import { Writable } from 'node:stream';
import { setImmediate as tick } from 'node:timers/promises';
import { inspect } from 'node:util';

import {
  createProxy,
  extract,
  resolveAsync,
  type ProxyKind,
} from '../../src/proxy/index.js';
import { CountingFactory } from '../proxy/counting-factory.js';

/** console.log into a string, through a real Console. */
function logged(...values: unknown[]): string {
  let out = '';
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done): void {
      out += chunk.toString();
      done();
    },
  });
  new Console({ stdout: sink, stderr: sink, colorMode: false }).log(...values);
  return out;
}

function counted<T>(make: () => T, kind: ProxyKind, error?: unknown) {
  const factory = new CountingFactory(make, { error });
  return { factory, p: createProxy(factory, { kind }) };
}

describe('C26: inspecting a proxy', { timeout: 10_000 }, () => {
  it('before resolution: Proxy<unresolved ...>, no factory call', () => {
    const { factory, p } = counted(() => new Map([['k', 1]]), 'map');

    assert.equal(inspect(p), 'Proxy<unresolved kind=map factory=CountingFactory>');
    assert.equal(logged(p), 'Proxy<unresolved kind=map factory=CountingFactory>\n');
    assert.equal(
      inspect({ nested: [p] }),
      '{ nested: [ Proxy<unresolved kind=map factory=CountingFactory> ] }',
    );
    assert.equal(factory.calls, 0);
  });

  it('after resolution: exactly what the target prints', () => {
    const deep = { a: { b: { c: { d: 1 } } }, list: [1, 2] };
    const cases: [unknown, ProxyKind][] = [
      [new Map([['k', 1]]), 'map'],
      [deep, 'object'],
      [[1, 'two'], 'array'],
      [Buffer.from('ab'), 'buffer'],
      [new Date(0), 'date'],
      ['text', 'string'],
      [42, 'number'],
      [class Named {}, 'class'],
    ];

    for (const [target, kind] of cases) {
      const p = createProxy(() => target, { kind });
      extract(p);
      assert.equal(inspect(p), inspect(target), kind);
      assert.equal(logged(p), `${inspect(target)}\n`, kind);
    }
  });

  it('keeps depth and cycles of the target', () => {
    const target: Record<string, unknown> = { a: { b: { c: { d: 1 } } } };
    target['self'] = target;
    const p = createProxy(() => target);
    extract(p);

    assert.equal(inspect(p, { depth: 0 }), inspect(target, { depth: 0 }));
    assert.equal(inspect(p), inspect(target));
    assert.match(inspect(p), /\[Circular \*1\]/);
  });

  it('after a failed resolve: the failure is shown, and printing never throws', () => {
    const { factory, p } = counted(() => ({}), 'object', new Error('key k1 evicted'));

    assert.throws(() => extract(p));
    const expected =
      'Proxy<unresolved kind=object factory=CountingFactory ' +
      '(last resolve failed: key k1 evicted)>';
    assert.equal(inspect(p), expected);
    assert.equal(logged(p), `${expected}\n`);
    assert.equal(factory.calls, 1, 'printing did not retry');
  });

  it('while a background resolve is in flight: (resolving)', async () => {
    const { factory, p } = counted(() => ({ a: 1 }), 'object');
    factory.hold();
    resolveAsync(p);

    assert.equal(
      inspect(p),
      'Proxy<unresolved kind=object factory=CountingFactory (resolving)>',
    );
    factory.release();
    await tick();
    assert.equal(inspect(p), '{ a: 1 }');
  });

  it('showProxy: true shows the shell hook and the handler, no data, no I/O', () => {
    const { factory, p } = counted(() => ({ secret: 1 }), 'object');
    const shown = inspect(p, { showProxy: true, breakLength: Infinity });

    assert.equal(
      shown,
      'Proxy [ Proxy<unresolved kind=object factory=CountingFactory>, LazyHandler {} ]',
    );
    assert.equal(factory.calls, 0);

    extract(p);
    const after = inspect(p, { showProxy: true, breakLength: Infinity });
    assert.equal(after, 'Proxy [ { secret: 1 }, LazyHandler {} ]');
  });

  it('customInspect: false prints the bare shell, still without I/O', () => {
    const { factory, p } = counted(() => ({ a: 1 }), 'object');
    assert.equal(inspect(p, { customInspect: false }), '{}');
    assert.equal(factory.calls, 0);
  });

  it('colors: the unresolved marker is styled as special', () => {
    const { p } = counted(() => ({}), 'object');
    assert.match(inspect(p, { colors: true }), /^\u001b\[\d+mProxy<unresolved/);
  });
});
