import { inspect, type InspectOptionsStylized } from 'node:util';

import { stateOfProxyOrShell, type ProxyState } from './state.js';

type Inspect = typeof inspect;

/**
 * The `util.inspect.custom` hook of every shell (it sits on the shells'
 * prototypes, never on a shell itself). Node inspects a Proxy's shell
 * without running any trap and calls this with `this` = the proxy (or the
 * shell, under `showProxy: true`). It never resolves and never throws:
 *
 * - unresolved: `Proxy<unresolved kind=K factory=F>`, with ` (resolving)`
 *   while a background resolve is in flight;
 * - after a failed resolve:
 *   `Proxy<unresolved kind=K factory=F (last resolve failed: MESSAGE)>`;
 * - resolved: the target, inspected as Node would inspect it directly.
 */
export function inspectShell(
  this: unknown,
  _depth: number,
  options?: InspectOptionsStylized,
  insp?: Inspect,
): unknown {
  const state = stateOfProxyOrShell(this);
  if (state === undefined) return 'Proxy<detached shell>';

  try {
    return inspectState(state, options, insp ?? inspect);
  } catch {
    return `Proxy<kind=${state.kind} (inspection failed)>`;
  }
}

/** The value Node should print for a proxy (see {@link inspectShell}). */
export function inspectState(
  state: ProxyState,
  options: InspectOptionsStylized | undefined,
  insp: Inspect,
): unknown {
  if (state.resolved) {
    const target = state.target;
    // A string returned from a custom inspector is printed verbatim.
    return typeof target === 'string' ? insp(target, options) : target;
  }

  const text = describeUnresolved(state);
  const stylize = options?.stylize;
  return stylize === undefined ? text : stylize(text, 'special');
}

/** `Proxy<unresolved ...>` for a proxy that holds no target. */
export function describeUnresolved(state: ProxyState): string {
  let text = `Proxy<unresolved kind=${state.kind} factory=${state.factoryName}`;

  if (state.lastError !== undefined) {
    text += ` (last resolve failed: ${state.lastErrorMessage})`;
  } else if (state.inflight !== undefined) {
    text += ' (resolving)';
  }

  return `${text}>`;
}
