// A proxy whose recorded kind does not match its target (an 'array' shell
// over a function, a class, a Map, null) "still works" as documented:
// reflection never hits a Proxy invariant TypeError, frozen or not.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { createProxy } from '../../src/proxy/index.js';

const targets: [string, () => unknown][] = [
  ['a function', () => function named(a: number): number {
    return a;
  }],
  ['a class', () => class Named {}],
  ['a Map', () => new Map([[1, 2]])],
  ['null', () => null],
  ['an object with a configurable length', () => ({ length: 'long' })],
];

type Op = [string, (p: Record<string, unknown>) => unknown];

const reflect: Op[] = [
  ['Object.keys', (p) => Object.keys(p)],
  ['Reflect.ownKeys', (p) => Reflect.ownKeys(p)],
  ['descriptors', (p) => Object.getOwnPropertyDescriptors(p)],
  ['descriptor of length', (p) => Object.getOwnPropertyDescriptor(p, 'length')],
  ['spread', (p) => ({ ...p })],
  ['read length', (p) => p['length']],
  ['isFrozen', (p) => Object.isFrozen(p)],
];

/** Runs `op`; a Proxy invariant violation fails the test, other errors pass. */
function noInvariantError(label: string, op: () => unknown): void {
  try {
    op();
  } catch (error) {
    const message = (error as Error).message;
    assert.doesNotMatch(message, /on proxy/, `${label}: ${message}`);
  }
}

describe("an 'array' proxy over a target of another kind", () => {
  for (const [name, make] of targets) {
    it(`over ${name}: reflection, then freeze, then reflection`, () => {
      const p = createProxy(make, { kind: 'array' }) as Record<string, unknown>;

      for (const [label, op] of reflect) noInvariantError(label, () => op(p));
      noInvariantError('freeze', () => Object.freeze(p));
      for (const [label, op] of reflect) noInvariantError(`frozen ${label}`, () => op(p));
    });

    it(`over ${name}: frozen first, then reflection`, () => {
      const p = createProxy(make, { kind: 'array' }) as Record<string, unknown>;

      noInvariantError('freeze', () => Object.freeze(p));
      for (const [label, op] of reflect) noInvariantError(`frozen ${label}`, () => op(p));
    });
  }
});
