/**
 * A MOCK of the Globus Transfer and Auth APIs for tests, listening on
 * 127.0.0.1 on a free port. It speaks their documented wire format (routes,
 * JSON documents, status codes, error documents) so the real clients in
 * src/globus can be tested end to end, and it really copies files between
 * local directories that stand for collections (globus-mock-transfer.ts).
 *
 *   Transfer: GET /v0.10/submission_id, POST /v0.10/transfer,
 *             POST /v0.10/delete, GET /v0.10/task/<id>
 *   Auth:     GET /v2/oauth2/authorize (logs in at once, 302 with a code),
 *             POST /v2/oauth2/token (authorization_code + PKCE,
 *             refresh_token, client_credentials), POST
 *             /v2/oauth2/token/revoke, GET /v2/oauth2/userinfo
 *
 * Point clients at it with `transferUrl` / `authUrl`, or the env vars
 * PROXYSTORE_GLOBUS_TRANSFER_URL / PROXYSTORE_GLOBUS_AUTH_URL.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

import { MockApiError, MockTransferService } from './globus-mock-transfer.js';

export { type MockTaskBehaviour } from './globus-mock-transfer.js';

const TRANSFER_RS = 'transfer.api.globus.org';
const AUTH_RS = 'auth.globus.org';
const MAX_BODY = 1024 * 1024;

interface AccessToken {
  resourceServer: string;
  scope: string;
  clientId: string;
  expiresAtMs: number;
}

interface RefreshToken {
  resourceServer: string;
  scope: string;
  clientId: string;
}

interface PendingCode {
  clientId: string;
  redirectUri: string;
  challenge: string;
  scopes: string[];
  offline: boolean;
}

/** Splits a scope string on spaces outside of dependency brackets. */
export function splitScopes(scope: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of scope) {
    if (ch === '[') depth++;
    if (ch === ']') depth--;
    if (ch === ' ' && depth === 0) {
      if (current !== '') out.push(current);
      current = '';
    } else {
      current += ch;
    }
  }
  if (current !== '') out.push(current);
  return out;
}

function resourceServerOf(scope: string): string {
  const base = scope.replace(/\[.*$/, '');
  if (['openid', 'profile', 'email'].includes(base)) return AUTH_RS;
  const urn = /^urn:globus:auth:scope:([^:]+):/.exec(base);
  if (urn?.[1] !== undefined) return urn[1];
  const url = /^https:\/\/auth\.globus\.org\/scopes\/([^/]+)\//.exec(base);
  if (url?.[1] !== undefined) return url[1];
  return base;
}

/** One fake identity, as userinfo returns it. */
export const MOCK_IDENTITY = {
  sub: 'c0ffee00-0000-4000-8000-000000000001',
  preferred_username: 'tester@example.org',
  name: 'Mock Tester',
  email: 'tester@example.org',
  identity_provider_display_name: 'Mock Identity Provider',
};

export class GlobusMockServer {
  readonly transfer = new MockTransferService();
  /** Seconds a new access token lives. */
  accessTokenLifetimeSeconds = 172_800;
  /** Requests seen, as `METHOD /path -> status`. */
  readonly log: string[] = [];
  /** Counts of token grants by type. */
  readonly grants = { authorization_code: 0, refresh_token: 0, client_credentials: 0 };
  readonly #access = new Map<string, AccessToken>();
  readonly #refresh = new Map<string, RefreshToken>();
  readonly #codes = new Map<string, PendingCode>();
  readonly #secrets = new Map<string, string>();
  readonly #injected: MockApiError[] = [];
  readonly #server: Server;
  #port = 0;

  private constructor() {
    this.#server = createServer((req, res) => {
      void this.#handle(req, res);
    });
  }

  /** Starts a mock on 127.0.0.1 and a free port. */
  static async start(): Promise<GlobusMockServer> {
    const mock = new GlobusMockServer();
    await new Promise<void>((resolve, reject) => {
      mock.#server.once('error', reject);
      mock.#server.listen(0, '127.0.0.1', () => resolve());
    });
    mock.#port = (mock.#server.address() as AddressInfo).port;
    return mock;
  }

  get authUrl(): string {
    return `http://127.0.0.1:${this.#port}`;
  }

  get transferUrl(): string {
    return `http://127.0.0.1:${this.#port}/v0.10`;
  }

  /** Env vars that point the clients here. */
  env(): Record<string, string> {
    return {
      PROXYSTORE_GLOBUS_AUTH_URL: this.authUrl,
      PROXYSTORE_GLOBUS_TRANSFER_URL: this.transferUrl,
    };
  }

  async stop(): Promise<void> {
    this.transfer.stop();
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  /** Registers a confidential client (for the client_credentials grant). */
  addClient(clientId: string, secret: string): void {
    this.#secrets.set(clientId, secret);
  }

  /** The next `count` Transfer requests are answered with this error. */
  injectTransferErrors(status: number, code: string, message: string, count = 1): void {
    for (let i = 0; i < count; i++) this.#injected.push(new MockApiError(status, code, message));
  }

  /** Makes every access token issued so far invalid (as if expired). */
  expireAccessTokens(): void {
    this.#access.clear();
  }

  /** Makes every refresh token invalid (as if revoked or expired). */
  revokeRefreshTokens(): void {
    this.#refresh.clear();
  }

  /** Number of live access and refresh tokens. */
  tokenCounts(): { access: number; refresh: number } {
    return { access: this.#access.size, refresh: this.#refresh.size };
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.authUrl);
    let status = 500;
    try {
      const body = await readBody(req);
      [status] = await this.#route(req, url, body, res);
    } catch (err) {
      status = err instanceof MockApiError ? err.status : 500;
      const code = err instanceof MockApiError ? err.code : 'ServiceError';
      sendJson(res, status, {
        code,
        message: (err as Error).message,
        request_id: randomBytes(4).toString('hex'),
        resource: url.pathname,
      });
    }
    this.log.push(`${req.method} ${url.pathname} -> ${status}`);
  }

  async #route(
    req: IncomingMessage,
    url: URL,
    body: string,
    res: ServerResponse,
  ): Promise<[number]> {
    const path = url.pathname;
    const method = req.method ?? 'GET';

    if (path.startsWith('/v0.10/')) {
      const injected = this.#injected.shift();
      if (injected !== undefined) throw injected;
      this.#requireToken(req, TRANSFER_RS);
      const t = this.transfer;
      if (method === 'GET' && path === '/v0.10/submission_id') {
        return [sendJson(res, 200, { DATA_TYPE: 'submission_id', value: t.newSubmissionId() })];
      }
      if (method === 'POST' && (path === '/v0.10/transfer' || path === '/v0.10/delete')) {
        const type = path.endsWith('transfer') ? 'TRANSFER' : 'DELETE';
        const [status, doc] = t.submit(type, parseJsonObject(body));
        return [sendJson(res, status, doc)];
      }
      const task = /^\/v0\.10\/task\/([^/]+)$/.exec(path);
      if (method === 'GET' && task?.[1] !== undefined) {
        return [sendJson(res, 200, t.taskDocument(decodeURIComponent(task[1])))];
      }
      throw new MockApiError(404, 'ClientError.NotFound', `No resource ${method} ${path}.`);
    }

    if (method === 'GET' && path === '/v2/oauth2/authorize') return [this.#authorize(url, res)];
    if (method === 'POST' && path === '/v2/oauth2/token') return [this.#token(req, body, res)];
    if (method === 'POST' && path === '/v2/oauth2/token/revoke') {
      const form = new URLSearchParams(body);
      const token = form.get('token') ?? '';
      this.#access.delete(token);
      this.#refresh.delete(token);
      return [sendJson(res, 200, { active: false })];
    }
    if (method === 'GET' && path === '/v2/oauth2/userinfo') {
      this.#requireToken(req, AUTH_RS);
      return [sendJson(res, 200, MOCK_IDENTITY)];
    }
    throw new MockApiError(404, 'NotFound', `No resource ${method} ${path}.`);
  }

  #requireToken(req: IncomingMessage, resourceServer: string): void {
    const header = req.headers.authorization ?? '';
    const token = /^Bearer (.+)$/.exec(header)?.[1];
    const record = token === undefined ? undefined : this.#access.get(token);
    if (record === undefined || record.expiresAtMs <= Date.now()) {
      throw new MockApiError(401, 'AuthenticationFailed', 'Token is not active.');
    }
    if (record.resourceServer !== resourceServer) {
      throw new MockApiError(403, 'PermissionDenied', `Token is not for ${resourceServer}.`);
    }
  }

  #authorize(url: URL, res: ServerResponse): number {
    const p = url.searchParams;
    const need = ['client_id', 'redirect_uri', 'scope', 'code_challenge'];
    const missing = need.find((n) => (p.get(n) ?? '') === '');
    if (missing !== undefined || p.get('response_type') !== 'code') {
      return sendAuthError(res, 400, 'invalid_request', `Missing ${missing ?? 'response_type'}.`);
    }
    if (p.get('code_challenge_method') !== 'S256') {
      return sendAuthError(res, 400, 'invalid_request', 'code_challenge_method must be S256.');
    }

    const code = randomBytes(16).toString('hex');
    this.#codes.set(code, {
      clientId: p.get('client_id') as string,
      redirectUri: p.get('redirect_uri') as string,
      challenge: p.get('code_challenge') as string,
      scopes: splitScopes(p.get('scope') as string),
      offline: p.get('access_type') === 'offline',
    });
    const target = new URL(p.get('redirect_uri') as string);
    target.searchParams.set('code', code);
    target.searchParams.set('state', p.get('state') ?? '');
    res.writeHead(302, { location: target.toString() }).end();
    return 302;
  }

  #token(req: IncomingMessage, body: string, res: ServerResponse): number {
    const form = new URLSearchParams(body);
    const grant = form.get('grant_type');

    if (grant === 'authorization_code') {
      const pending = this.#codes.get(form.get('code') ?? '');
      this.#codes.delete(form.get('code') ?? '');
      const verifier = form.get('code_verifier') ?? '';
      const challenge = createHash('sha256').update(verifier).digest('base64url');
      if (
        pending === undefined ||
        pending.clientId !== form.get('client_id') ||
        pending.redirectUri !== form.get('redirect_uri') ||
        pending.challenge !== challenge
      ) {
        return sendAuthError(res, 400, 'invalid_grant', 'Invalid code or verifier.');
      }
      this.grants.authorization_code++;
      return sendJson(res, 200, this.#issue(pending.clientId, pending.scopes, pending.offline));
    }

    if (grant === 'refresh_token') {
      const record = this.#refresh.get(form.get('refresh_token') ?? '');
      if (record === undefined || record.clientId !== form.get('client_id')) {
        return sendAuthError(res, 400, 'invalid_grant', 'Refresh token is not active.');
      }
      this.grants.refresh_token++;
      const token = this.#newAccess(record.clientId, record.resourceServer, record.scope);
      return sendJson(res, 200, token);
    }

    if (grant === 'client_credentials') {
      const basic = /^Basic (.+)$/.exec(req.headers.authorization ?? '')?.[1] ?? '';
      const [id, secret] = Buffer.from(basic, 'base64').toString().split(':');
      if (id === undefined || this.#secrets.get(id) !== secret) {
        return sendAuthError(res, 401, 'invalid_client', 'Unknown client or bad secret.');
      }
      this.grants.client_credentials++;
      return sendJson(res, 200, this.#issue(id, splitScopes(form.get('scope') ?? ''), false));
    }
    return sendAuthError(res, 400, 'unsupported_grant_type', `Grant ${grant} is not supported.`);
  }

  /** A token response: the first resource server's token, others in other_tokens. */
  #issue(clientId: string, scopes: string[], offline: boolean): object {
    const byServer = new Map<string, string[]>();
    for (const scope of scopes) {
      const rs = resourceServerOf(scope);
      byServer.set(rs, [...(byServer.get(rs) ?? []), scope]);
    }
    const tokens = [...byServer].map(([rs, list]) => {
      const token = this.#newAccess(clientId, rs, list.join(' '));
      if (!offline) return token;
      const refresh = randomBytes(24).toString('hex');
      this.#refresh.set(refresh, { resourceServer: rs, scope: list.join(' '), clientId });
      return { ...token, refresh_token: refresh };
    });
    const [first, ...others] = tokens;
    return { ...first, other_tokens: others };
  }

  #newAccess(clientId: string, resourceServer: string, scope: string) {
    const accessToken = randomBytes(24).toString('hex');
    const lifetime = this.accessTokenLifetimeSeconds;
    this.#access.set(accessToken, {
      resourceServer,
      scope,
      clientId,
      expiresAtMs: Date.now() + lifetime * 1000,
    });
    return {
      access_token: accessToken,
      expires_in: lifetime,
      resource_server: resourceServer,
      scope,
      token_type: 'Bearer',
      state: '_default',
    };
  }
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw new MockApiError(413, 'RequestTooLarge', 'Body too large.');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function parseJsonObject(body: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(body);
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      return value as Record<string, unknown>;
    }
  } catch {
    // answered below
  }
  throw new MockApiError(400, 'ClientError.BadRequest', 'Body must be a JSON object.');
}

function sendJson(res: ServerResponse, status: number, body: unknown): number {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
  return status;
}

/** Auth's error document: OAuth2 `error` plus Globus `errors`. */
function sendAuthError(
  res: ServerResponse,
  status: number,
  error: string,
  detail: string,
): number {
  return sendJson(res, status, {
    error,
    error_description: detail,
    errors: [{ status: String(status), code: error, detail, id: randomUUID() }],
  });
}
