import { InvalidArgumentError } from '../errors.js';
import { isObjectId } from '../utils/uuid.js';

/** The DIM transports; each names the connector kind that made the key. */
export type DimKind = 'websocket' | 'ucx';

/** The DIM kinds this package knows. */
export const DIM_KINDS: readonly DimKind[] = ['websocket', 'ucx'];

/**
 * Key of a distributed in-memory object: the object id, its size in bytes
 * and the address of the peer whose server holds it. `get`, `exists` and
 * `evict` go to `host:port`; the key alone is enough to find the object.
 */
export type DimKey = {
  readonly kind: DimKind;
  /** Object id, a UUID v4 string. */
  readonly id: string;
  /** Size of the stored bytes. */
  readonly size: number;
  /** Host (an IP address or name) of the peer's server. */
  readonly host: string;
  /** TCP port of the peer's server. */
  readonly port: number;
};

/** `host:port` of the peer that holds a key (IPv6 hosts in brackets). */
export function dimKeyAddress(key: Pick<DimKey, 'host' | 'port'>): string {
  return formatAddress(key.host, key.port);
}

/** Formats `host:port`, bracketing an IPv6 host. */
export function formatAddress(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** Whether a value is a well-formed {@link DimKey} (of any DIM kind). */
export function isDimKey(value: unknown): value is DimKey {
  if (value === null || typeof value !== 'object') return false;
  const k = value as Record<string, unknown>;
  return (
    (DIM_KINDS as readonly unknown[]).includes(k['kind']) &&
    isObjectId(k['id']) &&
    isSize(k['size']) &&
    typeof k['host'] === 'string' &&
    k['host'].length > 0 &&
    isPort(k['port'])
  );
}

/**
 * Checks that a value is a key of the given kind and returns it; a key of
 * another connector or a damaged key is an {@link InvalidArgumentError}.
 */
export function assertDimKey(value: unknown, kind: DimKind): DimKey {
  if (!isDimKey(value) || value.kind !== kind) {
    throw InvalidArgumentError.format(
      'key',
      value,
      `expected a ${kind} DIM key { kind: '${kind}', id, size, host, port }`,
    );
  }
  return value;
}

function isSize(value: unknown): value is number {
  return Number.isSafeInteger(value) && (value as number) >= 0;
}

function isPort(value: unknown): value is number {
  return Number.isInteger(value) && (value as number) > 0 && (value as number) < 65536;
}
