import type { ConnectorKey } from '../connectors/connector.js';
import { InvalidArgumentError } from '../errors.js';
import { stableStringify } from '../utils/json.js';

/**
 * Stable string of a key, used for the cache, shared fetches and metrics.
 * Also the store's check of a key's shape: every method that takes a key
 * calls it first.
 *
 * @throws {@link InvalidArgumentError} when `key` is not a JSON-safe object
 * (null, a string, an array, a key holding a bigint or a cycle).
 */
export function keyString(key: ConnectorKey): string {
  if (typeof (key as { then?: unknown } | null)?.then === 'function') {
    throw InvalidArgumentError.format(
      'key',
      key,
      'this is a Promise: put() is async, so await it before using the key',
    );
  }
  if (typeof key === 'object' && key !== null && !Array.isArray(key)) {
    try {
      return stableStringify(key);
    } catch {
      // a bigint, a cycle: reported below
    }
  }

  throw InvalidArgumentError.format(
    'key',
    key,
    'a key is the JSON-safe object that put() returned, for example ' +
      '{ id: "..." }',
  );
}
