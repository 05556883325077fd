import { randomBytes } from 'node:crypto';

import { logger } from '../utils/debug.js';
import { createPkcePair, GlobusAuthClient } from './auth-client.js';
import type { GlobusUserInfo } from './auth-client.js';
import { RefreshTokenAuthorizer } from './authorizers.js';
import { GLOBUS_LOGIN_COMMAND, GlobusApiError, GlobusAuthError } from './errors.js';
import {
  AUTH_RESOURCE_SERVER,
  AUTH_SCOPES,
  resolveAuthUrl,
  transferScope,
} from './services.js';
import { GlobusTokenStore } from './token-store.js';
import type { GlobusTokenFile } from './token-store.js';

const log = logger('globus:auth');

/** Options shared by {@link login}, {@link logout} and {@link whoami}. */
export interface GlobusAuthCommandOptions {
  /** @defaultValue `PROXYSTORE_GLOBUS_AUTH_URL` or Globus Auth */
  authUrl?: string | undefined;
  /** @defaultValue the token file in the ProxyStore home directory */
  tokenStore?: GlobusTokenStore | undefined;
}

/** Options of {@link login}. */
export interface LoginOptions extends GlobusAuthCommandOptions {
  /** Native app client id. @defaultValue the ProxyStore app */
  clientId?: string | undefined;
  /** Mapped collections to ask `data_access` consent for. */
  collections?: readonly string[] | undefined;
  /**
   * Shows the URL to the user and returns the code they paste back. The
   * CLI prints the URL and reads a line from the terminal.
   */
  prompt: (authorizeUrl: string) => Promise<string>;
}

/**
 * The native-app login: builds an authorize URL with a PKCE challenge, asks
 * the user (through `prompt`) for the code Globus Auth shows after login,
 * trades it for tokens with the verifier, and saves them (owner-only) to
 * the token file. Returns what was saved.
 *
 * @throws {@link GlobusAuthError} when no code is given.
 * @throws {@link GlobusApiError} when Auth refuses the code.
 */
export async function login(options: LoginOptions): Promise<GlobusTokenFile> {
  const client = new GlobusAuthClient({
    authUrl: options.authUrl,
    clientId: options.clientId,
  });
  const store = options.tokenStore ?? new GlobusTokenStore();
  const pkce = createPkcePair();
  const state = randomBytes(8).toString('hex');

  const url = client.authorizeUrl({
    scopes: [...AUTH_SCOPES, transferScope(options.collections)],
    challenge: pkce.challenge,
    state,
  });
  const code = (await options.prompt(url)).trim();
  if (code === '') {
    throw new GlobusAuthError(
      'No authorization code was entered. Run the login again and paste ' +
        'the code Globus shows after you log in.',
    );
  }

  const records = await client.exchangeCode({ code, verifier: pkce.verifier });
  const file: GlobusTokenFile = {
    version: 1,
    clientId: client.clientId,
    authUrl: client.authUrl,
    tokens: Object.fromEntries(records.map((r) => [r.resourceServer, r])),
  };
  await store.save(file);
  log('logged in; tokens for %s', records.map((r) => r.resourceServer).join(', '));
  return file;
}

/**
 * Revokes every saved token with Globus Auth (best effort) and deletes the
 * token file. Returns how many tokens were revoked and whether a file was
 * removed.
 */
export async function logout(
  options: GlobusAuthCommandOptions = {},
): Promise<{ revoked: number; failed: number; removed: boolean }> {
  const store = options.tokenStore ?? new GlobusTokenStore();
  const file = await store.load();
  if (file === null) return { revoked: 0, failed: 0, removed: false };

  const client = new GlobusAuthClient({
    authUrl: options.authUrl ?? file.authUrl,
    clientId: file.clientId,
  });
  const tokens = Object.values(file.tokens).flatMap((r) =>
    r.refreshToken === null ? [r.accessToken] : [r.accessToken, r.refreshToken],
  );
  const results = await Promise.allSettled(tokens.map((t) => client.revoke(t)));
  const failed = results.filter((r) => r.status === 'rejected').length;

  const removed = await store.remove();
  return { revoked: tokens.length - failed, failed, removed };
}

/**
 * Who the saved tokens belong to (Auth userinfo), refreshing the Auth
 * access token if needed.
 *
 * @throws {@link GlobusAuthError} when there are no tokens.
 */
export async function whoami(
  options: GlobusAuthCommandOptions = {},
): Promise<GlobusUserInfo> {
  const store = options.tokenStore ?? new GlobusTokenStore();
  const authUrl = resolveAuthUrl(options.authUrl);
  const authorizer = new RefreshTokenAuthorizer({
    resourceServer: AUTH_RESOURCE_SERVER,
    tokenStore: store,
    authUrl,
  });
  const header = await authorizer.authorization();
  const file = await store.load();
  if (file === null) {
    throw new GlobusAuthError(
      `Not logged in: no token file at ${store.path}. Run ` +
        `\`${GLOBUS_LOGIN_COMMAND}\`.`,
      { tokenFile: store.path },
    );
  }

  const client = new GlobusAuthClient({ authUrl, clientId: file.clientId });
  try {
    return await client.userinfo(header.replace(/^Bearer /, ''));
  } catch (err) {
    // Revoked on the server before it expired here: renew once.
    if (!(err instanceof GlobusApiError) || err.httpStatus !== 401) throw err;
    await authorizer.renewAfterUnauthorized(header);
    const renewed = await authorizer.authorization();
    return client.userinfo(renewed.replace(/^Bearer /, ''));
  }
}
