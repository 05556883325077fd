import type { StoreOptions } from '../store/config.js';
import { Store } from '../store/store.js';
import type { RedisConnectorOptions } from './redis-config.js';
import { RedisConnector, type RedisKey } from './redis-connector.js';

/** Options of {@link RedisStore}: the store's and the connector's. */
export interface RedisStoreOptions extends StoreOptions, RedisConnectorOptions {}

const CONNECTOR_FIELDS = [
  'hostname',
  'port',
  'url',
  'username',
  'password',
  'passwordEnv',
  'tls',
  'db',
  'keyPrefix',
  'cluster',
  'clear',
  'connectTimeoutMs',
  'commandTimeoutMs',
] as const satisfies readonly (keyof RedisConnectorOptions)[];

/**
 * A store on a Redis server or cluster: `new Store(name, new RedisConnector(...))`.
 *
 * @example
 * ```ts
 * import { RedisStore } from 'proxystore/redis';
 *
 * const store = new RedisStore('jobs', { url: process.env.REDIS_URL });
 * const p = await store.proxy(largeBuffer);   // send p anywhere
 * await store.close();
 * ```
 *
 * @remarks
 * A proxy of this store that resolves implicitly (on first use, not through
 * `await resolve(p)`) blocks its thread while the bridge worker reads Redis.
 */
export class RedisStore extends Store<RedisKey> {
  constructor(name: string, options: RedisStoreOptions = {}) {
    const connectorOptions: RedisConnectorOptions = {};
    const storeOptions: Record<string, unknown> = { ...options };
    for (const field of CONNECTOR_FIELDS) {
      if (options[field] !== undefined) {
        Object.assign(connectorOptions, { [field]: options[field] });
      }
      delete storeOptions[field];
    }

    super(name, new RedisConnector(connectorOptions), storeOptions as StoreOptions);
  }
}
