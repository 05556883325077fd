/**
 * `proxystore/endpoint`: the endpoint connector and store, and the pieces to
 * run an endpoint from code. Importing this module registers the `endpoint`
 * connector kind.
 */
import { registerConnectorKind } from '../connectors/kinds.js';
import type { JsonObject } from '../utils/json.js';
import { EndpointConnector } from './endpoint-connector.js';

export {
  EndpointConnector,
  type EndpointConnectorOptions,
  type EndpointKey,
} from './endpoint-connector.js';
export { EndpointStore, type EndpointStoreOptions } from './endpoint-store.js';
export { EndpointClient, type EndpointClientOptions } from './client.js';
export {
  makeEndpointConfig,
  type EndpointConfig,
  type EndpointConfigFields,
  type EndpointRelayConfig,
  type EndpointStorageConfig,
} from './config.js';
export {
  endpointPaths,
  listEndpointConfigs,
  readEndpointConfig,
  writeEndpointConfig,
} from './config-files.js';
export {
  runEndpoint,
  type RunEndpointOptions,
  type RunningEndpoint,
} from './serve.js';
export { endpointState, type EndpointStatus } from './status.js';
export { EndpointConnectorError, EndpointError } from '../errors.js';
export { proxystoreHome } from '../utils/home.js';

/** Builds an {@link EndpointConnector} from `config().options`. */
export function fromConfig(options: JsonObject): EndpointConnector {
  return EndpointConnector.fromConfig(options);
}

registerConnectorKind('endpoint', fromConfig);
