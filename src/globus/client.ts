import { InvalidArgumentError } from '../errors.js';
import { GlobusAuthClient } from './auth-client.js';
import {
  ClientCredentialsAuthorizer,
  RefreshTokenAuthorizer,
} from './authorizers.js';
import type { GlobusAuthorizer } from './authorizers.js';
import {
  CLIENT_ID_ENV,
  CLIENT_SECRET_ENV,
  TRANSFER_RESOURCE_SERVER,
  transferScope,
} from './services.js';
import { defaultTokenFile, GlobusTokenStore } from './token-store.js';
import { GlobusTransferClient } from './transfer-client.js';

/** Options of {@link createTransferClient}. */
export interface CreateTransferClientOptions {
  /** @defaultValue `PROXYSTORE_GLOBUS_TRANSFER_URL` or Globus Transfer */
  transferUrl?: string | undefined;
  /** @defaultValue `PROXYSTORE_GLOBUS_AUTH_URL` or Globus Auth */
  authUrl?: string | undefined;
  /** @defaultValue `<ProxyStore home>/globus-tokens.json` */
  tokenFile?: string | undefined;
  /**
   * Mapped GCSv5 collections whose `data_access` scope a client identity
   * asks for. Only list collections that use it: Auth refuses the scope of
   * other collections.
   */
  collections?: readonly string[] | undefined;
  env?: NodeJS.ProcessEnv | undefined;
}

/**
 * The client identity from `PROXYSTORE_GLOBUS_CLIENT_ID` and
 * `PROXYSTORE_GLOBUS_CLIENT_SECRET`, or `undefined` when neither is set.
 *
 * @throws {@link InvalidArgumentError} when only one of them is set.
 */
export function clientCredentialsFromEnv(
  env: NodeJS.ProcessEnv = process.env,
): { clientId: string; clientSecret: string } | undefined {
  const clientId = env[CLIENT_ID_ENV] ?? '';
  const clientSecret = env[CLIENT_SECRET_ENV] ?? '';
  if (clientId === '' && clientSecret === '') return undefined;
  if (clientId === '' || clientSecret === '') {
    throw InvalidArgumentError.format(
      clientId === '' ? CLIENT_ID_ENV : CLIENT_SECRET_ENV,
      '',
      `set both ${CLIENT_ID_ENV} and ${CLIENT_SECRET_ENV} to use a client ` +
        'identity, or neither to use the tokens of proxystore-globus-auth login',
    );
  }
  return { clientId, clientSecret };
}

/**
 * A Transfer client authorized the way upstream ProxyStore does it: a
 * confidential client identity when both client env vars are set, else the
 * refresh tokens saved by `proxystore-globus-auth login`. Nothing is read
 * until the first request.
 */
export function createTransferClient(
  options: CreateTransferClientOptions = {},
): GlobusTransferClient {
  const env = options.env ?? process.env;
  const identity = clientCredentialsFromEnv(env);

  let authorizer: GlobusAuthorizer;
  if (identity !== undefined) {
    // TODO(globus data_access): upstream looks each collection up
    // (GET /endpoint/<id>: a non-high-assurance GCSv5 mapped collection)
    // to decide which need a data_access dependency; here the caller lists
    // them, and the connector lists none.
    authorizer = new ClientCredentialsAuthorizer({
      authClient: new GlobusAuthClient({ authUrl: options.authUrl, ...identity }),
      resourceServer: TRANSFER_RESOURCE_SERVER,
      scopes: [transferScope(options.collections)],
    });
  } else {
    authorizer = new RefreshTokenAuthorizer({
      resourceServer: TRANSFER_RESOURCE_SERVER,
      tokenStore: new GlobusTokenStore(
        options.tokenFile ?? defaultTokenFile(env),
      ),
      authUrl: options.authUrl,
    });
  }

  return new GlobusTransferClient({
    authorizer,
    transferUrl: options.transferUrl,
  });
}
