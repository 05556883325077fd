import { createHash, randomBytes } from 'node:crypto';

import { logger } from '../utils/debug.js';
import { GlobusApiError } from './errors.js';
import { numberField, sendGlobusRequest, stringField } from './http.js';
import type { GlobusResponse } from './http.js';
import {
  nativeRedirectUri,
  PROXYSTORE_GLOBUS_CLIENT_ID,
  resolveAuthUrl,
} from './services.js';
import type { GlobusTokenRecord } from './token-store.js';

const log = logger('globus:auth');

/** Options of {@link GlobusAuthClient}. */
export interface GlobusAuthClientOptions {
  /**
   * Base URL of Globus Auth.
   * @defaultValue `PROXYSTORE_GLOBUS_AUTH_URL` or `https://auth.globus.org`
   */
  authUrl?: string | undefined;
  /** @defaultValue the ProxyStore native app's client id */
  clientId?: string | undefined;
  /** Secret of a confidential client; native apps have none. */
  clientSecret?: string | undefined;
  /** Timeout of one request, in milliseconds. */
  requestTimeoutMs?: number | undefined;
}

/** A PKCE pair: keep the verifier, send the challenge. */
export interface PkcePair {
  verifier: string;
  challenge: string;
}

/** What the user is logged in as (`/v2/oauth2/userinfo`). */
export interface GlobusUserInfo {
  sub: string;
  preferred_username?: string;
  name?: string;
  email?: string;
  identity_provider_display_name?: string;
  [field: string]: unknown;
}

/** Makes a PKCE verifier (43 URL-safe characters) and its S256 challenge. */
export function createPkcePair(): PkcePair {
  const verifier = randomBytes(32).toString('base64url');
  const challenge = createHash('sha256').update(verifier).digest('base64url');
  return { verifier, challenge };
}

function recordOf(token: unknown, now: number): GlobusTokenRecord {
  const accessToken = stringField(token, 'access_token');
  const resourceServer = stringField(token, 'resource_server');
  const expiresIn = numberField(token, 'expires_in');
  if (accessToken === undefined || resourceServer === undefined) {
    throw new TypeError('token response lacks access_token or resource_server');
  }
  return {
    resourceServer,
    accessToken,
    refreshToken: stringField(token, 'refresh_token') ?? null,
    expiresAtSeconds: Math.floor(now / 1000) + (expiresIn ?? 0),
    scope: stringField(token, 'scope') ?? '',
    tokenType: stringField(token, 'token_type') ?? 'Bearer',
  };
}

/**
 * A client of Globus Auth's OAuth2 endpoints: native-app login with PKCE,
 * token refresh, client credentials, revocation and userinfo.
 */
export class GlobusAuthClient {
  readonly authUrl: string;
  readonly clientId: string;
  readonly #clientSecret: string | undefined;
  readonly #timeoutMs: number | undefined;

  constructor(options: GlobusAuthClientOptions = {}) {
    this.authUrl = resolveAuthUrl(options.authUrl);
    this.clientId = options.clientId ?? PROXYSTORE_GLOBUS_CLIENT_ID;
    this.#clientSecret = options.clientSecret;
    this.#timeoutMs = options.requestTimeoutMs;
  }

  /** The redirect URI of native-app logins (Auth shows the code there). */
  get redirectUri(): string {
    return nativeRedirectUri(this.authUrl);
  }

  /**
   * The URL the user opens to log in (`/v2/oauth2/authorize`), asking for
   * a code with PKCE and offline access (refresh tokens).
   */
  authorizeUrl(options: {
    scopes: readonly string[];
    challenge: string;
    state?: string | undefined;
    redirectUri?: string | undefined;
  }): string {
    const url = new URL(`${this.authUrl}/v2/oauth2/authorize`);
    const params = url.searchParams;
    params.set('client_id', this.clientId);
    params.set('redirect_uri', options.redirectUri ?? this.redirectUri);
    params.set('scope', options.scopes.join(' '));
    params.set('response_type', 'code');
    params.set('code_challenge', options.challenge);
    params.set('code_challenge_method', 'S256');
    params.set('access_type', 'offline');
    params.set('state', options.state ?? '_default');
    params.set('prefill_named_grant', 'ProxyStore');
    return url.toString();
  }

  /** Trades an authorization code for tokens, one record per resource server. */
  async exchangeCode(options: {
    code: string;
    verifier: string;
    redirectUri?: string | undefined;
  }): Promise<GlobusTokenRecord[]> {
    const res = await this.#token({
      grant_type: 'authorization_code',
      code: options.code,
      redirect_uri: options.redirectUri ?? this.redirectUri,
      code_verifier: options.verifier,
    });
    return this.#records(res);
  }

  /** Gets a new access token with a refresh token. */
  async refresh(refreshToken: string): Promise<GlobusTokenRecord> {
    const res = await this.#token({
      grant_type: 'refresh_token',
      refresh_token: refreshToken,
    });
    const [record] = this.#records(res);
    if (record === undefined) throw this.#malformed('POST', '/v2/oauth2/token');
    return record;
  }

  /** Gets tokens as a confidential client (needs a client secret). */
  async clientCredentials(scopes: readonly string[]): Promise<GlobusTokenRecord[]> {
    const res = await this.#token({
      grant_type: 'client_credentials',
      scope: scopes.join(' '),
    });
    return this.#records(res);
  }

  /** Revokes an access or refresh token (`/v2/oauth2/token/revoke`). */
  async revoke(token: string): Promise<void> {
    const url = `${this.authUrl}/v2/oauth2/token/revoke`;
    const res = await sendGlobusRequest({
      service: 'auth',
      method: 'POST',
      url,
      headers: this.#clientHeaders(),
      form: { token, ...this.#clientForm() },
      timeoutMs: this.#timeoutMs,
      idempotent: true,
    });
    if (res.status !== 200) throw this.#error('POST', url, res);
  }

  /** Who the access token (of `auth.globus.org`) belongs to. */
  async userinfo(accessToken: string): Promise<GlobusUserInfo> {
    const url = `${this.authUrl}/v2/oauth2/userinfo`;
    const res = await sendGlobusRequest({
      service: 'auth',
      method: 'GET',
      url,
      headers: { authorization: `Bearer ${accessToken}` },
      timeoutMs: this.#timeoutMs,
      idempotent: true,
    });
    if (res.status !== 200) throw this.#error('GET', url, res);
    if (stringField(res.body, 'sub') === undefined) {
      throw this.#malformed('GET', url);
    }
    return res.body as GlobusUserInfo;
  }

  async #token(form: Record<string, string>): Promise<GlobusResponse> {
    const url = `${this.authUrl}/v2/oauth2/token`;
    log('token request: grant %s', form['grant_type']);
    const res = await sendGlobusRequest({
      service: 'auth',
      method: 'POST',
      url,
      headers: this.#clientHeaders(),
      form: { ...form, ...this.#clientForm() },
      timeoutMs: this.#timeoutMs,
      // A code is single-use and a retried refresh is harmless but a
      // retried code exchange is not: only refreshes are retried.
      idempotent: form['grant_type'] !== 'authorization_code',
    });
    if (res.status !== 200) throw this.#error('POST', url, res);
    return res;
  }

  #records(res: GlobusResponse): GlobusTokenRecord[] {
    const now = Date.now();
    const others = (res.body as { other_tokens?: unknown } | undefined)
      ?.other_tokens;
    const list = [res.body, ...(Array.isArray(others) ? others : [])];
    try {
      return list.map((t) => recordOf(t, now));
    } catch (err) {
      throw this.#malformed('POST', `${this.authUrl}/v2/oauth2/token`, err);
    }
  }

  /** Confidential clients authenticate with HTTP basic auth. */
  #clientHeaders(): Record<string, string> {
    if (this.#clientSecret === undefined) return {};
    const pair = `${this.clientId}:${this.#clientSecret}`;
    return { authorization: `Basic ${Buffer.from(pair).toString('base64')}` };
  }

  /** Native apps name themselves in the form. */
  #clientForm(): Record<string, string> {
    return this.#clientSecret === undefined ? { client_id: this.clientId } : {};
  }

  #malformed(method: string, url: string, cause?: unknown): GlobusApiError {
    return new GlobusApiError(
      { service: 'auth', method, url, httpStatus: 200 },
      `Globus Auth answered ${method} ${url} with a document this client ` +
        'does not understand. Check the Auth URL (PROXYSTORE_GLOBUS_AUTH_URL).',
      { cause },
    );
  }

  #error(method: string, url: string, res: GlobusResponse): GlobusApiError {
    const first = (res.body as { errors?: unknown[] } | undefined)?.errors?.[0];
    const code =
      stringField(res.body, 'error') ?? stringField(first, 'code') ?? undefined;
    const detail =
      stringField(res.body, 'error_description') ??
      stringField(first, 'detail') ??
      stringField(res.body, 'message') ??
      'no error document';
    return new GlobusApiError(
      {
        service: 'auth',
        method,
        url,
        httpStatus: res.status,
        code,
        requestId: stringField(first, 'id'),
      },
      `Globus Auth refused ${method} ${url} with HTTP ${res.status}` +
        `${code === undefined ? '' : ` (${code})`}: ${detail}.`,
    );
  }
}
