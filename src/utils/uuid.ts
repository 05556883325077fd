import { randomUUID } from 'node:crypto';

/** A new object id: a canonical lowercase UUID v4 string (as upstream ProxyStore). */
export function newObjectId(): string {
  return randomUUID();
}

const UUID_PATTERN =
  /^[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** Whether a string is a canonical lowercase UUID. */
export function isObjectId(value: unknown): value is string {
  return typeof value === 'string' && UUID_PATTERN.test(value);
}
