/**
 * UCX in a Node process must leave the process's own machinery alone: a
 * WebAssembly bounds trap still throws after UCX started (UCX's signal
 * handlers would otherwise replace V8's and kill the process).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';

import { ucxSkip } from './ucx-fixtures/available.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CHILD = fileURLToPath(new URL('./ucx-fixtures/wasm-child.ts', import.meta.url));

describe('UCX in a Node process', { skip: ucxSkip }, () => {
  it('keeps WebAssembly bounds traps as RuntimeError', { timeout: 120_000 }, () => {
    const env = { ...process.env };
    delete env['UCX_HANDLE_ERRORS'];
    delete env['UCX_MEM_EVENTS'];
    const result = spawnSync(process.execPath, ['--import', 'tsx', CHILD], {
      cwd: ROOT,
      env,
      encoding: 'utf8',
      timeout: 100_000,
    });

    assert.equal(result.signal, null, result.stderr);
    assert.equal(result.status, 0, result.stderr);
    assert.deepEqual(JSON.parse(result.stdout), { got: [1, 2, 3], trap: 'RuntimeError' });
  });
});
