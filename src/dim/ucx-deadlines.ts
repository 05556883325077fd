import { performance } from 'node:perf_hooks';

/**
 * Deadlines of the UCX client's requests, checked by one sweeping timer of
 * the thread instead of a timer per request: a setTimeout/clearTimeout pair
 * costs about 3 µs here, a third of the connector's own time per small get.
 * A deadline fires at most {@link SWEEP_MS} late. The timer is unref'd (the
 * addon keeps the process alive while requests are pending) and stops once
 * a sweep finds nothing to watch.
 */
export const SWEEP_MS = 20;

interface Deadline {
  readonly at: number;
  readonly expire: () => void;
}

const deadlines = new Map<number, Deadline>();
let sweeper: NodeJS.Timeout | undefined;

/** Calls `expire` once `ms` have passed, unless cleared first. */
export function setDeadline(id: number, ms: number, expire: () => void): void {
  deadlines.set(id, { at: performance.now() + ms, expire });
  if (sweeper !== undefined) return;

  sweeper = setInterval(sweep, SWEEP_MS);
  sweeper.unref();
}

/** Forgets the deadline of `id` (its request settled). */
export function clearDeadline(id: number): void {
  deadlines.delete(id);
}

function sweep(): void {
  if (deadlines.size === 0) {
    clearInterval(sweeper);
    sweeper = undefined;
    return;
  }

  const now = performance.now();
  for (const [id, deadline] of deadlines) {
    if (deadline.at > now) continue;
    deadlines.delete(id);
    deadline.expire();
  }
}
