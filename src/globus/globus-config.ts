/**
 * Options, key and defaults of the Globus connector, and the checks applied
 * to them (kept apart from the connector's behaviour).
 */
import { InvalidArgumentError } from '../errors.js';
import type { JsonValue } from '../utils/json.js';
import { isObjectId } from '../utils/uuid.js';
import type { SyncLevel } from './documents.js';
import type { GlobusEndpoint } from './endpoint.js';
import { GlobusEndpoints } from './endpoints.js';
import type { GlobusEndpointsObject } from './endpoints.js';
import type { GlobusTransferClient } from './transfer-client.js';

/**
 * Key of a {@link GlobusConnector}: the object's file name (a UUID) and the
 * ids of the Transfer tasks that copy it to the other endpoints.
 */
export interface GlobusKey {
  readonly filename: string;
  readonly taskIds: string[];
  readonly [field: string]: JsonValue;
}

/** Options of {@link GlobusConnector}. */
export interface GlobusConnectorOptions {
  /**
   * The collections to keep in sync (at least two): a
   * {@link GlobusEndpoints}, a list of {@link GlobusEndpoint}, or the plain
   * form keyed by collection UUID (as in an endpoints JSON file).
   */
  endpoints: GlobusEndpoints | readonly GlobusEndpoint[] | GlobusEndpointsObject;
  /**
   * Whether `close()` deletes the store's directory on every endpoint.
   * @defaultValue true
   */
  clear?: boolean | undefined;
  /**
   * Milliseconds between two status checks of a Transfer task.
   * @defaultValue 1000
   */
  pollingInterval?: number | undefined;
  /**
   * Transfer sync level: copy when the destination file is missing
   * (`'exists'`), differs in size, is older (`'mtime'`) or differs in
   * checksum. @defaultValue 'mtime'
   */
  syncLevel?: SyncLevel | undefined;
  /**
   * Milliseconds that `get`, `exists`, `evict` and `close` wait for a task.
   * @defaultValue 60000
   */
  timeout?: number | undefined;
  /**
   * Host name matched against the endpoints' host patterns. Not part of the
   * config: a connector rebuilt elsewhere uses its own host.
   * @defaultValue `PROXYSTORE_GLOBUS_HOSTNAME` or `os.hostname()`
   */
  hostname?: string | undefined;
  /** Transfer base URL; kept in the config when given. */
  transferUrl?: string | undefined;
  /** Auth base URL (token refresh); kept in the config when given. */
  authUrl?: string | undefined;
  /**
   * A ready client, for custom authorization. Not part of the config: a
   * rebuilt connector makes its own from the environment.
   */
  transferClient?: GlobusTransferClient | undefined;
}

export const DEFAULT_GLOBUS_POLLING_INTERVAL_MS = 1000;
export const DEFAULT_GLOBUS_TIMEOUT_MS = 60_000;
export const DEFAULT_GLOBUS_SYNC_LEVEL: SyncLevel = 'mtime';

/** Normalizes the `endpoints` option. */
export function toEndpoints(value: GlobusConnectorOptions['endpoints']): GlobusEndpoints {
  if (value instanceof GlobusEndpoints) return value;
  if (Array.isArray(value)) return new GlobusEndpoints(value);
  return GlobusEndpoints.fromObject(value);
}

/** Validates a duration option; `fallback` when absent. */
export function positiveMs(name: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw InvalidArgumentError.format(
      name,
      value,
      'expected a positive number of milliseconds',
    );
  }
  return value;
}

/** Rejects keys not made by `put` (for example a path in `filename`). */
export function checkKey(key: GlobusKey): void {
  const ok =
    key !== null &&
    typeof key === 'object' &&
    isObjectId(key.filename) &&
    Array.isArray(key.taskIds) &&
    key.taskIds.length > 0 &&
    key.taskIds.every((t) => typeof t === 'string' && t !== '');
  if (!ok) {
    throw InvalidArgumentError.format(
      'key',
      key,
      'expected { filename: <uuid>, taskIds: [<task id>, ...] } as made by ' +
        'GlobusConnector.put()',
    );
  }
}
