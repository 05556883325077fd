import { inspect } from 'node:util';

import { inspectShell } from './inspect.js';
import type { ProxyKind } from './kind.js';

/**
 * Shells are the targets of our Proxies. A Proxy takes `typeof`,
 * callability and `Array.isArray` from its target when it is created, so each
 * proxy gets a shell of its recorded kind:
 *
 * - 'array': an empty array (`Array.isArray(p)` is true, JSON writes `[...]`);
 * - 'function' and 'class': a bound function, which is callable and
 *   constructible and, unlike a plain `function () {}`, has no
 *   non-configurable `prototype` that would break `Object.keys(p)`;
 * - every other kind: an empty object.
 *
 * Shells have no own properties of their own (an array's `length` aside);
 * the handler mirrors onto them only what the Proxy invariants demand. Their
 * prototypes carry `util.inspect.custom`, because Node inspects a proxy's
 * shell without running traps; the hook is on the prototype, never an own
 * property, so `Object.freeze(p)` keeps working.
 */
const INSPECT = {
  [inspect.custom]: {
    value: inspectShell,
    writable: false,
    enumerable: false,
    configurable: false,
  },
};

const OBJECT_SHELL_PROTO: object = Object.create(Object.prototype, INSPECT);
const ARRAY_SHELL_PROTO: object = Object.create(Array.prototype, INSPECT);
const FUNCTION_SHELL_PROTO: object = Object.create(Function.prototype, INSPECT);

function shellFunction(): void {
  // Never called: the apply and construct traps call the target instead.
}

/** Makes a fresh shell for a proxy of `kind`. */
export function makeShell(kind: ProxyKind): object {
  switch (kind) {
    case 'array': {
      const shell: unknown[] = [];
      Object.setPrototypeOf(shell, ARRAY_SHELL_PROTO);
      return shell;
    }
    case 'function':
    case 'class': {
      const shell = shellFunction.bind(null);
      Object.setPrototypeOf(shell, FUNCTION_SHELL_PROTO);
      return shell;
    }
    default:
      return Object.create(OBJECT_SHELL_PROTO) as object;
  }
}
