import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import { AccessTokenAuthorizer } from '../../src/globus/authorizers.js';
import { createTransferClient } from '../../src/globus/client.js';
import { syncLevelNumber } from '../../src/globus/documents.js';
import {
  GlobusApiError,
  GlobusAuthError,
  GlobusTaskTimeoutError,
} from '../../src/globus/errors.js';
import { GlobusTransferClient } from '../../src/globus/transfer-client.js';
import { GlobusMockServer } from '../helpers/globus-mock-server.js';
import { loginToMock } from '../helpers/globus-mock-sites.js';

const T = { timeout: 20_000 };

describe('GlobusTransferClient (against the mock)', { timeout: 120_000 }, () => {
  let mock: GlobusMockServer;
  let dir: string;
  let client: GlobusTransferClient;
  const src = randomUUID();
  const dst = randomUUID();

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ps-globus-tc-'));
    mock = await GlobusMockServer.start();
    mock.transfer.addCollection(src, join(dir, 'src'));
    mock.transfer.addCollection(dst, join(dir, 'dst'));
    const tokenFile = join(dir, 'home', 'globus-tokens.json');
    await loginToMock(mock, tokenFile);
    client = createTransferClient({
      transferUrl: `${mock.transferUrl}/`,
      authUrl: mock.authUrl,
      tokenFile,
      env: {},
    });
  });

  after(async () => {
    await mock?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('maps sync level names to the wire integers', () => {
    assert.deepEqual(
      ['exists', 'size', 'mtime', 'checksum', 3].map(syncLevelNumber),
      [0, 1, 2, 3, 3],
    );
    assert.throws(() => syncLevelNumber(4), /Invalid syncLevel/);
  });

  it('submits a delete document and waits for the task', T, async () => {
    const result = await client.submitDelete({ endpoint: dst, paths: ['/nothing'] });
    assert.equal(result.DATA_TYPE, 'delete_result');
    assert.equal(result.code, 'Accepted');
    const doc = mock.transfer.submissions.at(-1);
    assert.deepEqual(doc, {
      DATA_TYPE: 'delete',
      submission_id: result.submission_id,
      endpoint: dst,
      recursive: false,
      ignore_missing: true,
      notify_on_succeeded: false,
      notify_on_failed: false,
      notify_on_inactive: false,
      DATA: [{ DATA_TYPE: 'delete_item', path: '/nothing' }],
    });

    const task = await client.waitForTask(result.task_id, {
      timeoutMs: 5000,
      pollingIntervalMs: 10,
    });
    assert.equal(task.status, 'SUCCEEDED');
    assert.equal(task.type, 'DELETE');
  });

  it('reports Transfer error documents with code and request id', T, async () => {
    await assert.rejects(client.getTask(randomUUID()), (err: unknown) => {
      assert.ok(err instanceof GlobusApiError);
      assert.equal(err.httpStatus, 404);
      assert.equal(err.code, 'ClientError.NotFound');
      assert.equal(err.service, 'transfer');
      assert.ok(err.requestId !== undefined && err.message.includes(err.requestId));
      return true;
    });
    await assert.rejects(
      client.getTask('not-a-task'),
      (err: unknown) => err instanceof GlobusApiError && err.httpStatus === 400,
    );
    await assert.rejects(
      client.submitTransfer({
        sourceEndpoint: src,
        destinationEndpoint: randomUUID(),
        items: [{ sourcePath: '/a', destinationPath: '/a' }],
      }),
      (err: unknown) => err instanceof GlobusApiError && err.httpStatus === 404,
    );
  });

  it('retries 503 a bounded number of times, then reports it', T, async () => {
    mock.injectTransferErrors(503, 'ServiceUnavailable', 'Try later.', 1);
    assert.match(await client.submissionId(), /^[0-9a-f-]{36}$/);

    mock.injectTransferErrors(503, 'ServiceUnavailable', 'Try later.', 3);
    await assert.rejects(
      client.submissionId(),
      (err: unknown) => err instanceof GlobusApiError && err.httpStatus === 503,
    );
  });

  it('turns ConsentRequired into advice to log in with --collection', T, async () => {
    mock.injectTransferErrors(403, 'ConsentRequired', 'Missing data_access consent.', 1);
    await assert.rejects(
      client.submissionId(),
      (err: unknown) =>
        err instanceof GlobusAuthError && err.message.includes('login --collection'),
    );
  });

  it('a fixed token the service refuses is an auth error, sent once', T, async () => {
    const fixed = new GlobusTransferClient({
      authorizer: new AccessTokenAuthorizer('bogus'),
      transferUrl: mock.transferUrl,
    });
    const seen = mock.log.length;
    await assert.rejects(fixed.submissionId(), GlobusAuthError);
    assert.equal(mock.log.length, seen + 1);
  });

  it('times out waiting for a held task and reports its status', T, async () => {
    mock.transfer.nextTasks({ kind: 'inactive' });
    const result = await client.submitDelete({ endpoint: dst, paths: ['/x'] });
    await assert.rejects(
      client.waitForTask(result.task_id, { timeoutMs: 100, pollingIntervalMs: 20 }),
      (err: unknown) =>
        err instanceof GlobusTaskTimeoutError &&
        err.lastStatus === 'INACTIVE' &&
        err.message.includes('CREDENTIAL_EXPIRED'),
    );
    mock.transfer.releaseHeld();
  });

  it('cannot reach a closed port: GlobusApiError with status 0', T, async () => {
    // A port this test opened and closed again, so nothing listens there.
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const { port } = probe.address() as AddressInfo;
    await new Promise<void>((r) => probe.close(() => r()));

    const dead = new GlobusTransferClient({
      authorizer: new AccessTokenAuthorizer('t'),
      transferUrl: `http://127.0.0.1:${port}/v0.10`,
      requestTimeoutMs: 2000,
    });
    await assert.rejects(
      dead.submissionId(),
      (err: unknown) =>
        err instanceof GlobusApiError &&
        err.httpStatus === 0 &&
        err.message.includes('PROXYSTORE_GLOBUS_TRANSFER_URL'),
    );
  });
});
