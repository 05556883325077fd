import assert from 'node:assert/strict';
import { createHash, randomUUID } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import { createPkcePair, GlobusAuthClient } from '../../src/globus/auth-client.js';
import {
  ClientCredentialsAuthorizer,
  RefreshTokenAuthorizer,
} from '../../src/globus/authorizers.js';
import { createTransferClient } from '../../src/globus/client.js';
import { GlobusApiError, GlobusAuthError } from '../../src/globus/errors.js';
import { login, logout, whoami } from '../../src/globus/login.js';
import {
  TRANSFER_RESOURCE_SERVER,
  TRANSFER_SCOPE,
  transferScope,
} from '../../src/globus/services.js';
import { defaultTokenFile, GlobusTokenStore } from '../../src/globus/token-store.js';
import { GlobusTransferClient } from '../../src/globus/transfer-client.js';
import { GlobusMockServer, MOCK_IDENTITY } from '../helpers/globus-mock-server.js';
import { loginToMock, mockBrowser } from '../helpers/globus-mock-sites.js';

const T = { timeout: 20_000 };

describe('Globus Auth client and token handling (against the mock)', { timeout: 120_000 }, () => {
  let mock: GlobusMockServer;
  let dir: string;
  let n = 0;

  /** A fresh token file path per test. */
  function tokenFile(): string {
    n++;
    return join(dir, `home-${n}`, 'globus-tokens.json');
  }

  function transferClientFor(file: string): GlobusTransferClient {
    return createTransferClient({
      transferUrl: mock.transferUrl,
      authUrl: mock.authUrl,
      tokenFile: file,
      env: {},
    });
  }

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ps-globus-auth-'));
    mock = await GlobusMockServer.start();
  });

  after(async () => {
    await mock?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('makes PKCE pairs whose challenge is the S256 of the verifier', () => {
    const { verifier, challenge } = createPkcePair();
    assert.match(verifier, /^[A-Za-z0-9_-]{43}$/);
    assert.equal(challenge, createHash('sha256').update(verifier).digest('base64url'));
    assert.notEqual(createPkcePair().verifier, verifier);
  });

  it('builds the authorize URL of a native-app login with PKCE', () => {
    const client = new GlobusAuthClient({ authUrl: 'https://auth.example.org/', clientId: 'cid' });
    const url = new URL(
      client.authorizeUrl({ scopes: ['openid', TRANSFER_SCOPE], challenge: 'abc', state: 's1' }),
    );
    assert.equal(url.origin + url.pathname, 'https://auth.example.org/v2/oauth2/authorize');
    const p = url.searchParams;
    assert.equal(p.get('client_id'), 'cid');
    assert.equal(p.get('redirect_uri'), 'https://auth.example.org/v2/web/auth-code');
    assert.equal(p.get('scope'), `openid ${TRANSFER_SCOPE}`);
    assert.equal(p.get('response_type'), 'code');
    assert.equal(p.get('code_challenge'), 'abc');
    assert.equal(p.get('code_challenge_method'), 'S256');
    assert.equal(p.get('access_type'), 'offline');
    assert.equal(p.get('state'), 's1');
  });

  it('writes data_access dependencies into the Transfer scope', () => {
    assert.equal(transferScope(), TRANSFER_SCOPE);
    assert.equal(
      transferScope(['c1', 'c2']),
      `${TRANSFER_SCOPE}[*https://auth.globus.org/scopes/c1/data_access ` +
        '*https://auth.globus.org/scopes/c2/data_access]',
    );
  });

  it('login saves tokens per resource server, owner-only and atomically', T, async () => {
    const file = tokenFile();
    const saved = await loginToMock(mock, file);

    assert.deepEqual(Object.keys(saved.tokens).sort(), [
      'auth.globus.org',
      TRANSFER_RESOURCE_SERVER,
    ]);
    const transfer = saved.tokens[TRANSFER_RESOURCE_SERVER];
    assert.ok(transfer?.refreshToken !== null && transfer?.refreshToken !== undefined);
    assert.ok((transfer?.expiresAtSeconds ?? 0) > Date.now() / 1000);

    assert.equal((await stat(file)).mode & 0o777, 0o600);
    assert.deepEqual(await readdir(join(file, '..')), ['globus-tokens.json']);
    assert.deepEqual(JSON.parse(await readFile(file, 'utf8')), saved);
  });

  it('login refuses an empty code and a code with the wrong verifier', T, async () => {
    await assert.rejects(
      login({
        authUrl: mock.authUrl,
        tokenStore: new GlobusTokenStore(tokenFile()),
        prompt: async () => '  ',
      }),
      GlobusAuthError,
    );

    const client = new GlobusAuthClient({ authUrl: mock.authUrl });
    const pkce = createPkcePair();
    const code = await mockBrowser(
      client.authorizeUrl({ scopes: ['openid'], challenge: pkce.challenge }),
    );
    await assert.rejects(
      client.exchangeCode({ code, verifier: createPkcePair().verifier }),
      (err: unknown) =>
        err instanceof GlobusApiError && err.httpStatus === 400 && err.code === 'invalid_grant',
    );
  });

  it('refreshes an access token the service no longer accepts', T, async () => {
    const file = tokenFile();
    await loginToMock(mock, file);
    const client = transferClientFor(file);
    await client.submissionId();
    const refreshes = mock.grants.refresh_token;
    const oldToken = (await new GlobusTokenStore(file).load())?.tokens[TRANSFER_RESOURCE_SERVER];

    mock.expireAccessTokens();
    assert.match(await client.submissionId(), /^[0-9a-f-]{36}$/);

    assert.equal(mock.grants.refresh_token, refreshes + 1);
    const newToken = (await new GlobusTokenStore(file).load())?.tokens[TRANSFER_RESOURCE_SERVER];
    assert.notEqual(newToken?.accessToken, oldToken?.accessToken);
    assert.equal(newToken?.refreshToken, oldToken?.refreshToken);
    assert.equal((await stat(file)).mode & 0o777, 0o600);
  });

  it('refreshes before use when the saved token has expired', T, async () => {
    const file = tokenFile();
    const saved = await loginToMock(mock, file);
    const record = saved.tokens[TRANSFER_RESOURCE_SERVER];
    assert.ok(record !== undefined);
    record.expiresAtSeconds = Math.floor(Date.now() / 1000) - 10;
    await new GlobusTokenStore(file).save(saved);
    const refreshes = mock.grants.refresh_token;
    const seen = mock.log.length;

    await transferClientFor(file).submissionId();

    assert.equal(mock.grants.refresh_token, refreshes + 1);
    const transferCalls = mock.log.slice(seen).filter((l) => l.includes('/v0.10/'));
    assert.deepEqual(transferCalls, ['GET /v0.10/submission_id -> 200']);
  });

  it('concurrent requests share one refresh', T, async () => {
    const file = tokenFile();
    await loginToMock(mock, file);
    const client = transferClientFor(file);
    await client.submissionId();
    mock.expireAccessTokens();
    const refreshes = mock.grants.refresh_token;

    await Promise.all([client.submissionId(), client.submissionId(), client.submissionId()]);

    assert.equal(mock.grants.refresh_token, refreshes + 1);
  });

  it('missing or revoked credentials say to run proxystore-globus-auth login', T, async () => {
    const missing = tokenFile();
    await assert.rejects(
      transferClientFor(missing).submissionId(),
      (err: unknown) =>
        err instanceof GlobusAuthError &&
        err.tokenFile === missing &&
        err.message.includes('proxystore-globus-auth login'),
    );

    const file = tokenFile();
    await loginToMock(mock, file);
    mock.expireAccessTokens();
    mock.revokeRefreshTokens();
    await assert.rejects(
      transferClientFor(file).submissionId(),
      (err: unknown) =>
        err instanceof GlobusAuthError &&
        /expired or was revoked/.test(err.message) &&
        err.message.includes('proxystore-globus-auth login'),
    );
  });

  it('rejects a damaged token file with advice', T, async () => {
    const file = tokenFile();
    await loginToMock(mock, file);
    await writeFile(file, '{"version": 7}', { mode: 0o600 });
    await assert.rejects(
      new GlobusTokenStore(file).load(),
      /damaged.*proxystore-globus-auth login/,
    );
  });

  it('warns when the token file can be read by others', T, async () => {
    const file = tokenFile();
    await loginToMock(mock, file);
    const { chmod } = await import('node:fs/promises');
    await chmod(file, 0o644);
    const warnings: Error[] = [];
    const onWarning = (w: Error) => warnings.push(w);
    process.on('warning', onWarning);
    try {
      await new GlobusTokenStore(file).load();
      await new Promise((r) => setImmediate(r));
    } finally {
      process.off('warning', onWarning);
    }
    const codes = warnings.map((w) => (w as { code?: string }).code);
    assert.ok(codes.includes('PROXYSTORE_GLOBUS_TOKEN_MODE'));
  });

  it('whoami returns the identity; logout revokes every token', T, async () => {
    const file = tokenFile();
    await loginToMock(mock, file);
    const store = new GlobusTokenStore(file);
    const live = mock.tokenCounts();

    const me = await whoami({ authUrl: mock.authUrl, tokenStore: store });
    assert.equal(me.sub, MOCK_IDENTITY.sub);
    assert.equal(me.preferred_username, MOCK_IDENTITY.preferred_username);

    // An Auth token revoked on the server before it expired is renewed.
    mock.expireAccessTokens();
    const refreshes = mock.grants.refresh_token;
    assert.equal((await whoami({ authUrl: mock.authUrl, tokenStore: store })).sub, me.sub);
    assert.equal(mock.grants.refresh_token, refreshes + 1);

    const result = await logout({ authUrl: mock.authUrl, tokenStore: store });
    assert.deepEqual(result, { revoked: 4, failed: 0, removed: true });
    assert.deepEqual(mock.tokenCounts(), { access: 0, refresh: live.refresh - 2 });
    await assert.rejects(stat(file), /ENOENT/);
    assert.deepEqual(await logout({ authUrl: mock.authUrl, tokenStore: store }), {
      revoked: 0,
      failed: 0,
      removed: false,
    });
    await assert.rejects(whoami({ authUrl: mock.authUrl, tokenStore: store }), GlobusAuthError);
  });

  it('a client identity uses the client_credentials grant', T, async () => {
    const id = randomUUID();
    mock.addClient(id, 's3cret');
    const client = createTransferClient({
      transferUrl: mock.transferUrl,
      authUrl: mock.authUrl,
      env: { PROXYSTORE_GLOBUS_CLIENT_ID: id, PROXYSTORE_GLOBUS_CLIENT_SECRET: 's3cret' },
    });
    const grants = mock.grants.client_credentials;
    await client.submissionId();
    assert.equal(mock.grants.client_credentials, grants + 1);

    assert.throws(
      () => createTransferClient({ env: { PROXYSTORE_GLOBUS_CLIENT_ID: id } }),
      /PROXYSTORE_GLOBUS_CLIENT_SECRET/,
    );
    const wrong = new ClientCredentialsAuthorizer({
      authClient: new GlobusAuthClient({ authUrl: mock.authUrl, clientId: id, clientSecret: 'x' }),
      resourceServer: TRANSFER_RESOURCE_SERVER,
      scopes: [TRANSFER_SCOPE],
    });
    await assert.rejects(
      wrong.authorization(),
      (err: unknown) => err instanceof GlobusApiError && err.code === 'invalid_client',
    );
  });

  it('the default token file is in the ProxyStore home', () => {
    assert.equal(
      defaultTokenFile({ PROXYSTORE_HOME: '/srv/ps' }),
      '/srv/ps/globus-tokens.json',
    );
    const authorizer = new RefreshTokenAuthorizer({ resourceServer: 'x', authUrl: mock.authUrl });
    assert.equal(authorizer.resourceServer, 'x');
  });
});
