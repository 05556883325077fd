/**
 * `proxystore/redis`: the Redis connector and store (ioredis is an optional
 * peer dependency, loaded on first use). Importing this module registers the
 * `redis` connector kind.
 */
import { registerConnectorKind } from '../connectors/kinds.js';
import type { JsonObject } from '../utils/json.js';
import { RedisConnector } from './redis-connector.js';

export { RedisConnector, type RedisKey } from './redis-connector.js';
export { RedisStore, type RedisStoreOptions } from './redis-store.js';
export {
  evictJobData,
  proxyJobData,
  reviveJobData,
  type ProxyJobDataOptions,
} from './job-payloads.js';
export type {
  RedisConnectorOptions,
  RedisNodeAddress,
  RedisTlsOptions,
} from './redis-config.js';
export { RedisConnectorError } from '../errors.js';

/** Builds a {@link RedisConnector} from `config().options`. */
export function fromConfig(options: JsonObject): RedisConnector {
  return RedisConnector.fromConfig(options);
}

registerConnectorKind('redis', fromConfig);
