/**
 * Without UCX: the library still loads and only UCX stores fail, with an
 * error that says what to install; the build script never fails `npm ci`
 * unless CI asks for UCX. These tests need no UCX themselves.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CHILD = fileURLToPath(new URL('./ucx-fixtures/unavailable-child.ts', import.meta.url));
const BUILD = fileURLToPath(new URL('../../scripts/build-ucx.mjs', import.meta.url));
const TIMEOUT = { timeout: 120_000 };

function run(args: string[], env: Record<string, string>) {
  const clean = { ...process.env };
  delete clean['CI'];
  delete clean['PROXYSTORE_REQUIRE_UCX'];
  return spawnSync(process.execPath, args, {
    cwd: ROOT,
    env: { ...clean, ...env },
    encoding: 'utf8',
    timeout: 100_000,
  });
}

describe('UCXStore without its addon', () => {
  it('loads the library and fails only UCX stores, saying what to install', TIMEOUT, () => {
    const result = run(['--import', 'tsx', CHILD], {
      PROXYSTORE_UCX_ADDON: '/nonexistent/proxystore_ucx.node',
    });
    assert.equal(result.status, 0, result.stderr);
    const out = JSON.parse(result.stdout) as Record<string, { name: string; message: string }>;

    assert.equal(out['available'], false);
    assert.equal(out['local'], 'value');
    for (const attempt of [out['store'], out['connector'], out['fromConfig']]) {
      assert.equal(attempt?.name, 'UcxUnavailableError');
      assert.match(attempt?.message ?? '', /libucx-dev/);
      assert.match(attempt?.message ?? '', /npm rebuild proxystore/);
      assert.match(attempt?.message ?? '', /\/nonexistent\/proxystore_ucx\.node/);
    }
  });
});

describe('scripts/build-ucx.mjs without UCX', () => {
  it('prints one line and exits 0', TIMEOUT, () => {
    const result = run([BUILD], { UCX_HOME: '/nonexistent' });
    assert.equal(result.status, 0, result.stderr);
    const lines = result.stdout.trim().split('\n');
    assert.equal(lines.length, 1);
    assert.match(lines[0] ?? '', /UCXStore is unavailable/);
    assert.match(lines[0] ?? '', /libucx-dev/);
  });

  it('fails under CI=true with PROXYSTORE_REQUIRE_UCX=1', TIMEOUT, () => {
    const result = run([BUILD], {
      UCX_HOME: '/nonexistent',
      CI: 'true',
      PROXYSTORE_REQUIRE_UCX: '1',
    });
    assert.equal(result.status, 1);
    assert.match(result.stderr, /building the UCX addon failed/);
  });
});
