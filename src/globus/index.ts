/**
 * `proxystore/globus`: a store that moves objects between sites with Globus
 * Transfer, with clients of the Transfer and Auth APIs. Importing it
 * registers the `globus` connector kind.
 */
export {
  DEFAULT_GLOBUS_POLLING_INTERVAL_MS,
  DEFAULT_GLOBUS_SYNC_LEVEL,
  DEFAULT_GLOBUS_TIMEOUT_MS,
  fromConfig,
  GlobusConnector,
  type GlobusConnectorOptions,
  type GlobusKey,
} from './globus-connector.js';
export { GlobusStore, type GlobusStoreOptions } from './globus-store.js';
export {
  currentHost,
  expandHome,
  GLOBUS_HOSTNAME_ENV,
  GlobusEndpoint,
  type GlobusEndpointObject,
  type GlobusEndpointOptions,
} from './endpoint.js';
export {
  GlobusEndpoints,
  MIN_GLOBUS_ENDPOINTS,
  type GlobusEndpointsObject,
} from './endpoints.js';
export {
  GLOBUS_LOGIN_COMMAND,
  GlobusApiError,
  GlobusAuthError,
  GlobusConnectorError,
  GlobusEndpointNotFoundError,
  GlobusTaskFailedError,
  GlobusTaskTimeoutError,
  type GlobusApiErrorInit,
  type GlobusFatalError,
  type GlobusService,
} from './errors.js';
export {
  GlobusTransferClient,
  type DeleteRequest,
  type GlobusTransferClientOptions,
  type TransferRequest,
  type WaitOptions,
} from './transfer-client.js';
export {
  createPkcePair,
  GlobusAuthClient,
  type GlobusAuthClientOptions,
  type GlobusUserInfo,
  type PkcePair,
} from './auth-client.js';
export {
  AccessTokenAuthorizer,
  ClientCredentialsAuthorizer,
  RefreshTokenAuthorizer,
  type GlobusAuthorizer,
} from './authorizers.js';
export {
  clientCredentialsFromEnv,
  createTransferClient,
  type CreateTransferClientOptions,
} from './client.js';
export {
  login,
  logout,
  whoami,
  type GlobusAuthCommandOptions,
  type LoginOptions,
} from './login.js';
export {
  defaultTokenFile,
  GLOBUS_TOKEN_FILE_NAME,
  GlobusTokenStore,
  type GlobusTokenFile,
  type GlobusTokenRecord,
} from './token-store.js';
export * from './services.js';
export {
  isFinalStatus,
  syncLevelNumber,
  type SyncLevel,
  type SyncLevelName,
  type TaskDocument,
  type TaskStatus,
} from './documents.js';
