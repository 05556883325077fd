/**
 * Bounded exponential backoff shared by the relay client and peer manager.
 */
import { InvalidArgumentError } from '../../errors.js';

/** How often and how fast to retry a transient failure. */
export interface BackoffOptions {
  /** Delay before the first retry. @defaultValue `500` */
  initialDelayMs?: number | undefined;
  /** Longest delay between two attempts. @defaultValue `30000` */
  maxDelayMs?: number | undefined;
  /**
   * Attempts per outage, the first one included; after the last one fails
   * the caller gives up. @defaultValue `10`
   */
  maxAttempts?: number | undefined;
}

/** {@link BackoffOptions} with every field set. */
export interface Backoff {
  initialDelayMs: number;
  maxDelayMs: number;
  maxAttempts: number;
}

/** Fresh default backoff settings. */
export function defaultBackoff(): Backoff {
  return { initialDelayMs: 500, maxDelayMs: 30_000, maxAttempts: 10 };
}

/**
 * Merges options over the defaults and validates them.
 *
 * @throws {@link InvalidArgumentError} for a negative delay or an attempt
 *   count below 1.
 */
export function resolveBackoff(options: BackoffOptions = {}): Backoff {
  const defaults = defaultBackoff();
  const backoff: Backoff = {
    initialDelayMs: options.initialDelayMs ?? defaults.initialDelayMs,
    maxDelayMs: options.maxDelayMs ?? defaults.maxDelayMs,
    maxAttempts: options.maxAttempts ?? defaults.maxAttempts,
  };

  for (const field of ['initialDelayMs', 'maxDelayMs'] as const) {
    if (!Number.isFinite(backoff[field]) || backoff[field] < 0) {
      throw InvalidArgumentError.format(
        `backoff.${field}`,
        backoff[field],
        'use a number of milliseconds of at least 0',
      );
    }
  }
  if (!Number.isInteger(backoff.maxAttempts) || backoff.maxAttempts < 1) {
    throw InvalidArgumentError.format(
      'backoff.maxAttempts',
      backoff.maxAttempts,
      'use an integer of at least 1',
    );
  }
  return backoff;
}

/**
 * Delay before retry number `retry` (1 for the first retry): the initial
 * delay doubled per retry, capped, with up to 20% random jitter off.
 */
export function backoffDelay(backoff: Backoff, retry: number): number {
  const exponent = Math.min(Math.max(retry - 1, 0), 30);
  const full = Math.min(backoff.initialDelayMs * 2 ** exponent, backoff.maxDelayMs);
  return Math.round(full * (0.8 + 0.2 * Math.random()));
}
