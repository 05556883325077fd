import { InvalidArgumentError } from '../errors.js';

/** Base URL of Globus Transfer API v0.10. */
export const DEFAULT_TRANSFER_URL = 'https://transfer.api.globus.org/v0.10';
/** Base URL of Globus Auth. */
export const DEFAULT_AUTH_URL = 'https://auth.globus.org';

/** Env var overriding the Transfer base URL (a proxy, a test service). */
export const TRANSFER_URL_ENV = 'PROXYSTORE_GLOBUS_TRANSFER_URL';
/** Env var overriding the Auth base URL. */
export const AUTH_URL_ENV = 'PROXYSTORE_GLOBUS_AUTH_URL';

/**
 * Client id of the "ProxyStore Application" native app registered with
 * Globus Auth by the upstream project; the default for `login`.
 */
export const PROXYSTORE_GLOBUS_CLIENT_ID = 'a3379dba-a492-459a-a8df-5e7676a0472f';

/** Env vars of a confidential client identity (both or neither). */
export const CLIENT_ID_ENV = 'PROXYSTORE_GLOBUS_CLIENT_ID';
export const CLIENT_SECRET_ENV = 'PROXYSTORE_GLOBUS_CLIENT_SECRET';

/** Resource server names, as Auth returns them in token responses. */
export const TRANSFER_RESOURCE_SERVER = 'transfer.api.globus.org';
export const AUTH_RESOURCE_SERVER = 'auth.globus.org';

/** Full access to the Transfer API. */
export const TRANSFER_SCOPE = 'urn:globus:auth:scope:transfer.api.globus.org:all';
/** Scopes of Auth itself, for `whoami` (userinfo). */
export const AUTH_SCOPES: readonly string[] = ['openid', 'profile', 'email'];

/**
 * The Transfer scope with optional dependent `data_access` scopes for the
 * given collections (needed by GCSv5 mapped collections that are not
 * high-assurance).
 */
export function transferScope(collections: readonly string[] = []): string {
  if (collections.length === 0) return TRANSFER_SCOPE;
  const deps = collections
    .map((c) => `*https://auth.globus.org/scopes/${c}/data_access`)
    .join(' ');
  return `${TRANSFER_SCOPE}[${deps}]`;
}

function normalizeUrl(name: string, value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw InvalidArgumentError.format(name, value, 'expected an absolute URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw InvalidArgumentError.format(name, value, 'expected an http(s) URL');
  }
  return value.replace(/\/+$/, '');
}

/**
 * The Transfer base URL: the option, else `PROXYSTORE_GLOBUS_TRANSFER_URL`,
 * else {@link DEFAULT_TRANSFER_URL}. No trailing slash.
 */
export function resolveTransferUrl(
  option?: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
): string {
  const value = option ?? env[TRANSFER_URL_ENV] ?? DEFAULT_TRANSFER_URL;
  return normalizeUrl('transferUrl', value === '' ? DEFAULT_TRANSFER_URL : value);
}

/**
 * The Auth base URL: the option, else `PROXYSTORE_GLOBUS_AUTH_URL`, else
 * {@link DEFAULT_AUTH_URL}. No trailing slash.
 */
export function resolveAuthUrl(
  option?: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
): string {
  const value = option ?? env[AUTH_URL_ENV] ?? DEFAULT_AUTH_URL;
  return normalizeUrl('authUrl', value === '' ? DEFAULT_AUTH_URL : value);
}

/**
 * The page of Globus Auth that shows the authorization code to the user,
 * the redirect URI of native-app logins.
 */
export function nativeRedirectUri(authUrl: string): string {
  return `${authUrl}/v2/web/auth-code`;
}
