import { InvalidArgumentError } from '../errors.js';
import { newObjectId } from '../utils/uuid.js';
import type {
  CloseOptions,
  ConnectorConfig,
  DeferrableConnector,
} from './connector.js';
import type { JsonObject } from '../utils/json.js';
import { registerConnectorKind } from './kinds.js';

/** Key of a {@link LocalConnector}. */
export interface LocalKey {
  readonly id: string;
  readonly [field: string]: string;
}

/** Options of {@link LocalConnector}. */
export interface LocalConnectorOptions {
  /**
   * The backing map. Connectors built on the same map see each other's
   * objects. A new map is made when omitted.
   */
  storeMap?: Map<string, Uint8Array> | undefined;
}

/**
 * Backing maps of this thread by id, so that a connector rebuilt from its
 * config in the same thread (for example by a proxy revived from JSON) finds
 * the same objects. Held weakly: a map no connector uses can be collected.
 */
const maps = new Map<string, WeakRef<Map<string, Uint8Array>>>();
const mapIds = new WeakMap<Map<string, Uint8Array>, string>();
const collected = new FinalizationRegistry<string>((id) => {
  if (maps.get(id)?.deref() === undefined) maps.delete(id);
});

function idOfMap(map: Map<string, Uint8Array>): string {
  let id = mapIds.get(map);
  if (id === undefined) {
    id = newObjectId();
    mapIds.set(map, id);
    maps.set(id, new WeakRef(map));
    collected.register(map, id);
  }
  return id;
}

/**
 * Stores bytes in this process's memory. Reads are synchronous, so proxies
 * of a LocalStore resolve without the bridge.
 *
 * @remarks
 * The memory belongs to one thread: a config rebuilt in another thread or
 * process finds an empty map. The connector keeps the bytes it is given
 * without copying, and returns them without copying; values deserialized
 * from it may share memory with the stored object (as the cache does).
 */
export class LocalConnector implements DeferrableConnector<LocalKey> {
  readonly kind = 'local';
  readonly #map: Map<string, Uint8Array>;
  readonly #mapId: string;

  constructor(options: LocalConnectorOptions = {}) {
    const map = options.storeMap ?? new Map<string, Uint8Array>();
    if (!(map instanceof Map)) {
      throw InvalidArgumentError.format(
        'storeMap',
        map,
        'expected a Map<string, Uint8Array>',
      );
    }
    this.#map = map;
    this.#mapId = idOfMap(map);
  }

  /** Rebuilds a connector from `config().options`, sharing the map in this thread. */
  static fromConfig(options: JsonObject): LocalConnector {
    const id = options['mapId'];
    const map = typeof id === 'string' ? maps.get(id)?.deref() : undefined;
    if (map !== undefined) return new LocalConnector({ storeMap: map });

    const fresh = new Map<string, Uint8Array>();
    if (typeof id === 'string') {
      mapIds.set(fresh, id);
      maps.set(id, new WeakRef(fresh));
      collected.register(fresh, id);
    }
    return new LocalConnector({ storeMap: fresh });
  }

  config(): ConnectorConfig {
    return { kind: this.kind, options: { mapId: this.#mapId } };
  }

  async put(data: Uint8Array): Promise<LocalKey> {
    return this.#putSync(data);
  }

  async putBatch(data: readonly Uint8Array[]): Promise<LocalKey[]> {
    return data.map((d) => this.#putSync(d));
  }

  async get(key: LocalKey): Promise<Uint8Array | null> {
    return this.getSync(key);
  }

  async getBatch(keys: readonly LocalKey[]): Promise<(Uint8Array | null)[]> {
    return keys.map((k) => this.getSync(k));
  }

  async exists(key: LocalKey): Promise<boolean> {
    return this.existsSync(key);
  }

  async evict(key: LocalKey): Promise<void> {
    this.#map.delete(idOf(key));
  }

  async newKey(): Promise<LocalKey> {
    return { id: newObjectId() };
  }

  async set(key: LocalKey, data: Uint8Array): Promise<void> {
    this.#map.set(idOf(key), data);
  }

  getSync(key: LocalKey): Uint8Array | null {
    return this.#map.get(idOf(key)) ?? null;
  }

  existsSync(key: LocalKey): boolean {
    return this.#map.has(idOf(key));
  }

  /** `clear: true` empties the backing map (default false). */
  async close(options: CloseOptions = {}): Promise<void> {
    if (options.clear === true) this.#map.clear();
  }

  #putSync(data: Uint8Array): LocalKey {
    const key = { id: newObjectId() };
    this.#map.set(key.id, data);
    return key;
  }
}

/**
 * The id of a key.
 *
 * @throws {@link InvalidArgumentError} unless the key is an object with a
 * non-empty string `id`.
 */
function idOf(key: LocalKey): string {
  const id = (key as { id?: unknown } | null | undefined)?.id;
  if (typeof id === 'string' && id.length > 0) return id;

  throw InvalidArgumentError.format(
    'key',
    key,
    'a LocalConnector key is { id: <string> } as returned by put() or newKey()',
  );
}

registerConnectorKind('local', (options) => LocalConnector.fromConfig(options));
