/**
 * The synchronous bridge (CASES.md C31), against a real worker thread and a
 * test connector kind loaded into it with registerBridgeModule().
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, afterEach, before, describe, it } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';

import {
  bridgeExistsSync,
  bridgeGetSync,
  getBridgeTimeout,
  isBridgeRunning,
  registerBridgeModule,
  setBridgeTimeout,
  shutdownBridge,
  unregisterBridgeModule,
} from '../../src/bridge/index.js';
import { BridgeError, BridgeTimeoutError, InvalidArgumentError } from '../../src/errors.js';
import type { ConnectorConfig } from '../../src/connectors/connector.js';
import { echoBytes } from './fixtures/test-kinds.js';

const KINDS = new URL('./fixtures/test-kinds.ts', import.meta.url);
const THROWS_ON_LOAD = new URL('./fixtures/throws-on-load.ts', import.meta.url);
const EXITS_ON_LOAD = new URL('./fixtures/exits-on-load.ts', import.meta.url);
const CHILD = fileURLToPath(new URL('./fixtures/uses-bridge.ts', import.meta.url));

const TIMEOUT = { timeout: 60_000 };

function config(mode: string, extra: Record<string, string | number> = {}): ConnectorConfig {
  return { kind: 'bridge-test', options: { mode, ...extra } };
}

function text(bytes: Uint8Array | null): string | null {
  return bytes === null ? null : Buffer.from(bytes).toString();
}

/** Runs `fn` and returns what it throws (fails the test if it returns). */
function thrown(fn: () => unknown): Error {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof Error, `expected an Error, got ${String(error)}`);
    return error;
  }
  assert.fail('expected the call to throw');
}

describe('bridge', { timeout: 180_000 }, () => {
  before(() => {
    registerBridgeModule(KINDS);
  });

  afterEach(async () => {
    unregisterBridgeModule(THROWS_ON_LOAD);
    unregisterBridgeModule(EXITS_ON_LOAD);
  });

  after(async () => {
    await shutdownBridge();
  });

  describe('bridgeGetSync()', () => {
    it('returns the bytes and null for a missing key', TIMEOUT, () => {
      const got = bridgeGetSync(config('echo'), { id: 'abc', size: 10 });
      assert.equal(text(got), 'abcabcabca');
      assert.equal(bridgeGetSync(config('echo'), { id: 'missing' }), null);
      assert.equal(isBridgeRunning(), true);
    });

    it('transfers a buffer the connector owns whole (no clone)', TIMEOUT, () => {
      const size = 1024 * 1024;
      const got = bridgeGetSync(config('echo'), { id: 'big', size });
      assert.ok(got !== null);
      assert.ok(Buffer.from(got).equals(echoBytes({ id: 'big', size })));
      assert.equal(got.byteOffset, 0);
      assert.equal(got.buffer.byteLength, size);

      // The worker's buffer was detached by the transfer.
      const probe = bridgeGetSync(config('echo'), { id: 'was-transferred' });
      assert.deepEqual([...(probe ?? [])], [1]);
    });

    it('copies a pooled slice once instead of transferring the pool', TIMEOUT, () => {
      const got = bridgeGetSync(config('echo'), { id: 'tiny', pooled: true });
      assert.equal(text(got), 'tiny');
      assert.equal(got?.buffer.byteLength, 4);

      const probe = bridgeGetSync(config('echo'), { id: 'was-transferred' });
      assert.deepEqual([...(probe ?? [])], [0]);
    });

    it('answers many calls in a row without yielding to the event loop', TIMEOUT, () => {
      for (let i = 0; i < 200; i += 1) {
        const id = `k${i}`;
        assert.equal(text(bridgeGetSync(config('echo'), { id })), id);
      }
    });
  });

  describe('bridgeExistsSync()', () => {
    it('answers true and false', TIMEOUT, () => {
      assert.equal(bridgeExistsSync(config('echo'), { id: 'here' }), true);
      assert.equal(bridgeExistsSync(config('echo'), { id: 'missing' }), false);
    });
  });

  describe('timeouts and late replies', () => {
    it('throws BridgeTimeoutError naming store, key, kind and ms', TIMEOUT, () => {
      const error = thrown(() =>
        bridgeGetSync(config('slow', { delayMs: 1_500 }), { id: 'late-1' }, {
          storeName: 'slow-store',
          timeoutMs: 200,
        }),
      );
      assert.ok(error instanceof BridgeTimeoutError, String(error));
      assert.equal(error.timeoutMs, 200);
      assert.match(error.message, /slow-store/);
      assert.match(error.message, /late-1/);
      assert.match(error.message, /'bridge-test'/);
      assert.match(error.message, /200 ms/);
    });

    it('drops the late reply: later calls get their own answers', TIMEOUT, () => {
      assert.throws(
        () =>
          bridgeGetSync(config('slow', { delayMs: 800 }), { id: 'first' }, { timeoutMs: 100 }),
        BridgeTimeoutError,
      );

      // This call is still waiting when the first reply arrives.
      const second = bridgeGetSync(config('slow', { delayMs: 1_500 }), { id: 'second' });
      assert.equal(text(second), 'second');
      assert.equal(text(bridgeGetSync(config('echo'), { id: 'third' })), 'third');
    });

    it('times out instead of deadlocking on a server on this thread', TIMEOUT, async () => {
      let hits = 0;
      const server = createServer((_req, res) => {
        hits += 1;
        res.end('from-main-thread');
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      try {
        const { port } = server.address() as AddressInfo;
        const cfg = config('http', { url: `http://127.0.0.1:${port}/` });

        assert.throws(() => bridgeGetSync(cfg, { id: 'deadlock' }, { timeoutMs: 500 }), (e) => {
          assert.ok(e instanceof BridgeTimeoutError);
          assert.match(e.message, /event loop/);
          return true;
        });
        assert.equal(hits, 0, 'the blocked thread could not have served the request');

        // Once this thread yields, the server answers and the worker's late
        // reply is dropped; the next call gets its own answer.
        await new Promise((r) => setTimeout(r, 300));
        assert.equal(text(bridgeGetSync(config('echo'), { id: 'after' })), 'after');
      } finally {
        server.closeAllConnections();
        await new Promise((resolve) => server.close(resolve));
      }
    });
  });

  describe('failures in the worker', () => {
    it('a connector that fails to build raises BridgeError with cause', TIMEOUT, () => {
      const error = thrown(() => bridgeGetSync(config('fail-build'), { id: 'x' }));
      assert.ok(error instanceof BridgeError);
      assert.ok(!(error instanceof BridgeTimeoutError));
      assert.match(String((error.cause as Error).message), /failed to build/);

      // The worker is still fine.
      assert.equal(text(bridgeGetSync(config('echo'), { id: 'ok' })), 'ok');
    });

    it('a failed get raises BridgeError carrying the error fields', TIMEOUT, () => {
      const error = thrown(() =>
        bridgeGetSync(config('fail-get'), { id: 'x' }, { storeName: 's1' }),
      );
      assert.ok(error instanceof BridgeError);
      assert.match(error.message, /get failed/);
      assert.match(error.message, /s1/);
      const cause = error.cause as Error & { code?: string };
      assert.equal(cause.code, 'EFIXTURE');
    });

    it('an unknown connector kind raises BridgeError', TIMEOUT, () => {
      const error = thrown(() => bridgeGetSync({ kind: 'no-such-kind', options: {} }, { id: 'x' }));
      assert.ok(error instanceof BridgeError);
      assert.equal((error.cause as Error).name, 'UnknownConnectorKindError');
    });

    it('a worker that crashes raises BridgeError; the next call restarts it', TIMEOUT, () => {
      const error = thrown(() => bridgeGetSync(config('crash'), { id: 'x' }));
      assert.ok(error instanceof BridgeError);
      assert.ok(!(error instanceof BridgeTimeoutError));
      assert.match(String((error.cause as Error).message), /worker crashed/);

      assert.equal(text(bridgeGetSync(config('echo'), { id: 'again' })), 'again');
    });

    it('a worker that exits mid-call raises BridgeError', TIMEOUT, () => {
      const error = thrown(() => bridgeGetSync(config('exit'), { id: 'x' }));
      assert.ok(error instanceof BridgeError);
      assert.match(String((error.cause as Error).message), /code 7/);
      assert.equal(text(bridgeGetSync(config('echo'), { id: 'back' })), 'back');
    });
  });

  describe('worker start-up failures', () => {
    it('a module that throws on load raises BridgeError, not a hang', TIMEOUT, async () => {
      await shutdownBridge();
      registerBridgeModule(THROWS_ON_LOAD);

      const error = thrown(() => bridgeGetSync(config('echo'), { id: 'x' }));
      assert.ok(error instanceof BridgeError);
      assert.ok(!(error instanceof BridgeTimeoutError));
      assert.match(String((error.cause as Error).message), /failed on load/);
      assert.equal(isBridgeRunning(), false);

      unregisterBridgeModule(THROWS_ON_LOAD);
      assert.equal(text(bridgeGetSync(config('echo'), { id: 'y' })), 'y');
    });

    it('a module that exits the worker on load raises BridgeError', TIMEOUT, async () => {
      await shutdownBridge();
      registerBridgeModule(EXITS_ON_LOAD);

      const error = thrown(() => bridgeGetSync(config('echo'), { id: 'x' }));
      assert.ok(error instanceof BridgeError);
      assert.match(String((error.cause as Error).message), /code 5/);
    });

    it('a module registered while the worker runs loads before the next call', TIMEOUT, () => {
      bridgeGetSync(config('echo'), { id: 'warm' });
      registerBridgeModule(THROWS_ON_LOAD);

      const error = thrown(() => bridgeGetSync(config('echo'), { id: 'x' }));
      assert.ok(error instanceof BridgeError);
      assert.match(error.message, /throws-on-load/);
    });
  });

  describe('re-entrant use', () => {
    it('a connector in the worker that calls the bridge gets BridgeError', TIMEOUT, () => {
      const error = thrown(() => bridgeGetSync(config('reentrant'), { id: 'outer' }));
      assert.ok(error instanceof BridgeError);
      const cause = error.cause as Error;
      assert.equal(cause.name, 'BridgeError');
      assert.match(cause.message, /Re-entrant/);
    });
  });

  describe('setBridgeTimeout()', () => {
    it('rejects values that are not positive milliseconds', () => {
      for (const bad of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
        assert.throws(() => setBridgeTimeout(bad), InvalidArgumentError);
      }
    });

    it('sets the default wait of later calls', TIMEOUT, () => {
      const before = getBridgeTimeout();
      setBridgeTimeout(150);
      try {
        const error = thrown(() =>
          bridgeGetSync(config('slow', { delayMs: 600 }), { id: 'default-timeout' }),
        );
        assert.ok(error instanceof BridgeTimeoutError);
        assert.equal(error.timeoutMs, 150);
      } finally {
        setBridgeTimeout(before);
      }
    });
  });

  describe('process life', () => {
    const run = (mode: string, env: Record<string, string> = {}) =>
      spawnSync(process.execPath, ['--import', 'tsx', CHILD, mode], {
        encoding: 'utf8',
        timeout: 30_000,
        env: { ...process.env, ...env },
      });

    it('starts under --input-type=module -e (flags a worker cannot take)', TIMEOUT, () => {
      const child = spawnSync(
        process.execPath,
        [
          '--import',
          'tsx',
          '--input-type=module',
          '-e',
          `await import(${JSON.stringify(pathToFileURL(CHILD).href)});`,
        ],
        { encoding: 'utf8', timeout: 30_000, env: { ...process.env, PROXYSTORE_BRIDGE_TIMEOUT_MS: '20000' } },
      );
      assert.equal(child.signal, null, 'the child had to be killed: it hung');
      assert.equal(child.status, 0, child.stderr);
      assert.deepEqual(JSON.parse(child.stdout), { ok: 'child' });
    });

    it('an unref\'d worker never keeps the process alive', TIMEOUT, () => {
      const child = run('echo');
      assert.equal(child.signal, null, 'the child had to be killed: it hung');
      assert.equal(child.status, 0, child.stderr);
      assert.deepEqual(JSON.parse(child.stdout), { ok: 'child' });
    });

    it('reads the default timeout from PROXYSTORE_BRIDGE_TIMEOUT_MS', TIMEOUT, () => {
      const child = run('slow', { PROXYSTORE_BRIDGE_TIMEOUT_MS: '250' });
      assert.equal(child.status, 0, child.stderr);
      assert.deepEqual(JSON.parse(child.stdout), { name: 'BridgeTimeoutError', timeoutMs: 250 });
    });

    it('warns about a bad PROXYSTORE_BRIDGE_TIMEOUT_MS and keeps the default', TIMEOUT, () => {
      const child = run('echo', { PROXYSTORE_BRIDGE_TIMEOUT_MS: 'soon' });
      assert.equal(child.status, 0, child.stderr);
      assert.deepEqual(JSON.parse(child.stdout), { ok: 'child' });
      assert.match(child.stderr, /PROXYSTORE_BRIDGE_TIMEOUT/);
      assert.match(child.stderr, /"soon"/);
    });
  });
});
