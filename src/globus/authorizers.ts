import { logger } from '../utils/debug.js';
import { GlobusAuthClient } from './auth-client.js';
import { GLOBUS_LOGIN_COMMAND, GlobusApiError, GlobusAuthError } from './errors.js';
import { resolveAuthUrl } from './services.js';
import { GlobusTokenStore } from './token-store.js';
import type { GlobusTokenRecord } from './token-store.js';

const log = logger('globus:auth');

/** Refresh an access token this long before it expires. */
export const REFRESH_MARGIN_SECONDS = 60;

/** Produces the `Authorization` header of requests to one resource server. */
export interface GlobusAuthorizer {
  /** The header value, for example `Bearer <token>`. */
  authorization(): Promise<string>;
  /**
   * Called after the service answered 401 to a request sent with the header
   * `rejected`. Returns `true` when a different token is now available and
   * the request is worth sending again.
   */
  renewAfterUnauthorized(rejected: string): Promise<boolean>;
}

/** A fixed access token; it cannot be renewed. */
export class AccessTokenAuthorizer implements GlobusAuthorizer {
  readonly #token: string;

  constructor(accessToken: string) {
    this.#token = accessToken;
  }

  async authorization(): Promise<string> {
    return `Bearer ${this.#token}`;
  }

  async renewAfterUnauthorized(_rejected: string): Promise<boolean> {
    return false;
  }
}

function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

function fresh(record: GlobusTokenRecord): boolean {
  return record.expiresAtSeconds - REFRESH_MARGIN_SECONDS > nowSeconds();
}

/** Options of {@link RefreshTokenAuthorizer}. */
export interface RefreshTokenAuthorizerOptions {
  /** For example `transfer.api.globus.org`. */
  resourceServer: string;
  /** @defaultValue the token file in the ProxyStore home directory */
  tokenStore?: GlobusTokenStore | undefined;
  /** @defaultValue `PROXYSTORE_GLOBUS_AUTH_URL` or Globus Auth */
  authUrl?: string | undefined;
  requestTimeoutMs?: number | undefined;
}

/**
 * Uses the tokens saved by `proxystore-globus-auth login`, refreshing the
 * access token with the refresh token shortly before it expires (or after
 * a 401) and saving the new one, so other processes reuse it.
 */
export class RefreshTokenAuthorizer implements GlobusAuthorizer {
  readonly resourceServer: string;
  readonly #store: GlobusTokenStore;
  readonly #authUrl: string;
  readonly #timeoutMs: number | undefined;
  #record: GlobusTokenRecord | undefined;
  #renewing: Promise<GlobusTokenRecord> | undefined;

  constructor(options: RefreshTokenAuthorizerOptions) {
    this.resourceServer = options.resourceServer;
    this.#store = options.tokenStore ?? new GlobusTokenStore();
    this.#authUrl = resolveAuthUrl(options.authUrl);
    this.#timeoutMs = options.requestTimeoutMs;
  }

  async authorization(): Promise<string> {
    let record = this.#record;
    if (record === undefined || !fresh(record)) {
      record = await this.#renew(undefined);
    }
    return `Bearer ${record.accessToken}`;
  }

  async renewAfterUnauthorized(rejected: string): Promise<boolean> {
    const token = rejected.replace(/^Bearer /, '');
    if (this.#record !== undefined && this.#record.accessToken !== token) {
      return true; // renewed meanwhile by a concurrent request
    }
    await this.#renew(token);
    return true;
  }

  /**
   * One renewal at a time; concurrent callers share it. `rejected` is an
   * access token the service refused, which must not be reused.
   */
  #renew(rejected: string | undefined): Promise<GlobusTokenRecord> {
    this.#renewing ??= this.#doRenew(rejected).finally(() => {
      this.#renewing = undefined;
    });
    return this.#renewing;
  }

  async #doRenew(rejected: string | undefined): Promise<GlobusTokenRecord> {
    // Another process may have refreshed already: read the file first.
    const file = await this.#store.load();
    const stored = file?.tokens[this.resourceServer];
    if (file === null || stored === undefined) {
      throw new GlobusAuthError(
        `No Globus tokens for ${this.resourceServer} in ` +
          `${this.#store.path}. Run \`${GLOBUS_LOGIN_COMMAND}\` on this ` +
          'host (or set PROXYSTORE_HOME to where the tokens are).',
        { tokenFile: this.#store.path },
      );
    }
    if (fresh(stored) && stored.accessToken !== rejected) {
      this.#record = stored;
      return stored;
    }
    if (stored.refreshToken === null) {
      throw new GlobusAuthError(
        `The Globus access token for ${this.resourceServer} has expired ` +
          'and there is no refresh token to renew it. Run ' +
          `\`${GLOBUS_LOGIN_COMMAND}\` again.`,
        { tokenFile: this.#store.path },
      );
    }

    const client = new GlobusAuthClient({
      authUrl: this.#authUrl,
      clientId: file.clientId,
      requestTimeoutMs: this.#timeoutMs,
    });
    let record: GlobusTokenRecord;
    try {
      record = await client.refresh(stored.refreshToken);
    } catch (err) {
      const refused =
        err instanceof GlobusApiError && err.httpStatus >= 400 && err.httpStatus < 500;
      if (refused) {
        throw new GlobusAuthError(
          `Globus Auth rejected the refresh token for ${this.resourceServer} ` +
            `(${err.code ?? `HTTP ${err.httpStatus}`}): the login expired or ` +
            `was revoked. Run \`${GLOBUS_LOGIN_COMMAND}\` again.`,
          { cause: err, tokenFile: this.#store.path },
        );
      }
      throw err;
    }
    log('refreshed the access token of %s', this.resourceServer);

    // Auth may rotate refresh tokens; keep the old one when it does not.
    const merged: GlobusTokenRecord = {
      ...record,
      refreshToken: record.refreshToken ?? stored.refreshToken,
    };
    const latest = (await this.#store.load()) ?? file;
    latest.tokens[this.resourceServer] = merged;
    await this.#store.save(latest);
    this.#record = merged;
    return merged;
  }
}

/** Options of {@link ClientCredentialsAuthorizer}. */
export interface ClientCredentialsAuthorizerOptions {
  /** A client with a client secret. */
  authClient: GlobusAuthClient;
  resourceServer: string;
  scopes: readonly string[];
}

/**
 * A confidential client's identity (client credentials grant), for
 * services without a user; tokens are kept in memory only.
 */
export class ClientCredentialsAuthorizer implements GlobusAuthorizer {
  readonly #options: ClientCredentialsAuthorizerOptions;
  #record: GlobusTokenRecord | undefined;
  #renewing: Promise<GlobusTokenRecord> | undefined;

  constructor(options: ClientCredentialsAuthorizerOptions) {
    this.#options = options;
  }

  async authorization(): Promise<string> {
    let record = this.#record;
    if (record === undefined || !fresh(record)) record = await this.#renew();
    return `Bearer ${record.accessToken}`;
  }

  async renewAfterUnauthorized(rejected: string): Promise<boolean> {
    const current = this.#record?.accessToken;
    if (current !== undefined && `Bearer ${current}` !== rejected) return true;
    await this.#renew();
    return true;
  }

  #renew(): Promise<GlobusTokenRecord> {
    this.#renewing ??= this.#doRenew().finally(() => {
      this.#renewing = undefined;
    });
    return this.#renewing;
  }

  async #doRenew(): Promise<GlobusTokenRecord> {
    const { authClient, resourceServer, scopes } = this.#options;
    const records = await authClient.clientCredentials(scopes);
    const record = records.find((r) => r.resourceServer === resourceServer);
    if (record === undefined) {
      throw new GlobusAuthError(
        `Globus Auth gave the client ${authClient.clientId} no token for ` +
          `${resourceServer}. Check the client's scopes in ` +
          'app.globus.org/settings/developers.',
      );
    }
    this.#record = record;
    return record;
  }
}
