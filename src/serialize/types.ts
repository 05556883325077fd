/**
 * Turns a value into bytes. A store calls it on `put` and `proxy`; it must
 * return a `Uint8Array` (a `Buffer` is one) or the store raises a TypeError.
 */
export type Serializer = (value: unknown) => Uint8Array;

/**
 * Turns bytes made by the matching {@link Serializer} back into a value. The
 * bytes may be a view into a larger buffer; a deserializer that keeps a view
 * keeps that buffer alive.
 */
export type Deserializer = (data: Uint8Array) => unknown;
