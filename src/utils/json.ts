/** JSON-safe values: what configs, keys and references are made of. */
export type JsonPrimitive = string | number | boolean | null;
export type JsonValue = JsonPrimitive | JsonValue[] | JsonObject;
export interface JsonObject {
  [key: string]: JsonValue;
}

/**
 * A deterministic JSON string for a JSON-safe value: object keys sorted, so two
 * equal keys built in different orders give the same string (used as cache keys).
 */
export function stableStringify(value: JsonValue): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(stableStringify).join(',')}]`;
  const keys = Object.keys(value).sort();
  const parts = keys.map((k) => {
    const v = value[k] as JsonValue;
    return `${JSON.stringify(k)}:${stableStringify(v)}`;
  });
  return `{${parts.join(',')}}`;
}
