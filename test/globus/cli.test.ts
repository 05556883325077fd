import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import { GlobusMockServer, MOCK_IDENTITY } from '../helpers/globus-mock-server.js';
import { mockBrowser } from '../helpers/globus-mock-sites.js';

const CLI = join(import.meta.dirname, '..', '..', 'src', 'cli', 'globus-auth.ts');
const RUN_LIMIT_MS = 30_000;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

describe('proxystore-globus-auth (against the mock)', { timeout: 180_000 }, () => {
  let mock: GlobusMockServer;
  let home: string;
  const children = new Set<ChildProcess>();

  function env(): NodeJS.ProcessEnv {
    return { ...process.env, ...mock.env(), PROXYSTORE_HOME: home };
  }

  /**
   * Runs the CLI in a child process. `answer` sees stdout as it grows and
   * may return a line to type into stdin (once).
   */
  function run(
    args: string[],
    answer?: (out: string) => Promise<string> | undefined,
  ): Promise<Run> {
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, ['--import', 'tsx', CLI, ...args], {
        env: env(),
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      children.add(child);
      const limit = setTimeout(() => child.kill('SIGKILL'), RUN_LIMIT_MS);
      let stdout = '';
      let stderr = '';
      let answered = false;

      child.stdout.on('data', (chunk: Buffer) => {
        stdout += chunk.toString();
        if (answer === undefined || answered) return;
        const reply = answer(stdout);
        if (reply === undefined) return;
        answered = true;
        reply.then((line) => child.stdin.end(`${line}\n`), reject);
      });
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      if (answer === undefined) child.stdin.end();
      child.on('error', reject);
      child.on('close', (code) => {
        clearTimeout(limit);
        children.delete(child);
        resolve({ code, stdout, stderr });
      });
    });
  }

  /** Plays the user: when the URL and prompt appear, log in and type the code. */
  function user(out: string): Promise<string> | undefined {
    const url = /^(http\S+\/v2\/oauth2\/authorize\S+)$/m.exec(out)?.[1];
    if (url === undefined || !out.includes('Enter the authorization code')) return undefined;
    return mockBrowser(url);
  }

  before(async () => {
    home = await mkdtemp(join(tmpdir(), 'ps-globus-cli-'));
    mock = await GlobusMockServer.start();
  });

  after(async () => {
    for (const child of children) child.kill('SIGKILL');
    await mock?.stop();
    await rm(home, { recursive: true, force: true });
  });

  it('whoami before login says to run login', async () => {
    const r = await run(['whoami']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /proxystore-globus-auth login/);
  });

  it('login prints the URL, reads the code and saves owner-only tokens', async () => {
    const r = await run(['login', '--collection', 'c0ffee00-0000-4000-8000-00000000abcd'], user);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Logged in\. Tokens saved to .*globus-tokens\.json/);
    assert.match(r.stdout, /scope=[^&\s]*data_access/);
    const file = join(home, 'globus-tokens.json');
    assert.equal((await stat(file)).mode & 0o777, 0o600);
  });

  it('login again does nothing without --force', async () => {
    const r = await run(['login']);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /already exist/);
  });

  it('whoami shows the identity', async () => {
    const r = await run(['whoami']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim(), `${MOCK_IDENTITY.preferred_username} (${MOCK_IDENTITY.sub})`);
  });

  it('login with an empty code fails with a message', async () => {
    const r = await run(['login', '--force'], (out) =>
      out.includes('Enter the authorization code') ? Promise.resolve('') : undefined,
    );
    assert.equal(r.code, 1);
    assert.match(r.stderr, /No authorization code was entered/);
  });

  it('logout revokes the tokens and deletes the file', async () => {
    const r = await run(['logout']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Logged out: revoked 4 token\(s\)/);
    assert.deepEqual(mock.tokenCounts().refresh, 0);
    await assert.rejects(stat(join(home, 'globus-tokens.json')), /ENOENT/);

    const again = await run(['logout']);
    assert.match(again.stdout, /Not logged in/);
  });

  it('rejects unknown commands and options', async () => {
    const r = await run(['frobnicate']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /Unknown command 'frobnicate'/);
    const bad = await run(['login', '--bogus']);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /proxystore-globus-auth help/);
  });
});
