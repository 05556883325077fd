/**
 * Runs examples/globus-two-sites.ts as documented in docs/globus.md, with
 * the two sites as two processes and the Globus mock standing in for Globus.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { access, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

import { startMockSites } from '../helpers/globus-mock-sites.js';
import type { MockSites } from '../helpers/globus-mock-sites.js';

const EXAMPLE = fileURLToPath(
  new URL('../../examples/globus-two-sites.ts', import.meta.url),
);

describe('examples/globus-two-sites.ts (mock)', { timeout: 180_000 }, () => {
  let s: MockSites;
  let endpointsFile: string;

  function run(
    host: string,
    args: string[],
  ): Promise<{ code: number | null; out: string; err: string }> {
    return new Promise((done, fail) => {
      const child = spawn(process.execPath, ['--import', 'tsx', EXAMPLE, ...args], {
        env: { ...process.env, ...s.env, PROXYSTORE_GLOBUS_HOSTNAME: host },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const limit = setTimeout(() => child.kill('SIGKILL'), 60_000);
      let out = '';
      let err = '';
      child.stdout.on('data', (c: Buffer) => (out += c.toString()));
      child.stderr.on('data', (c: Buffer) => (err += c.toString()));
      child.on('error', fail);
      child.on('close', (code) => {
        clearTimeout(limit);
        done({ code, out, err });
      });
    });
  }

  before(async () => {
    s = await startMockSites(['site-a', 'site-b']);
    endpointsFile = join(s.root, 'endpoints.json');
    await writeFile(endpointsFile, JSON.stringify(s.endpoints, null, 2));
  });

  after(async () => {
    await s?.cleanup();
  });

  it('produce at site A, consume at site B, clean up', { timeout: 150_000 }, async () => {
    const produced = await run('site-a', ['produce', endpointsFile]);
    assert.equal(produced.code, 0, produced.err);
    const refFile = join(s.root, 'ref.json');
    await writeFile(refFile, produced.out);

    const consumed = await run('site-b', ['consume', endpointsFile, refFile]);
    assert.equal(consumed.code, 0, consumed.err);
    assert.match(consumed.out, /^grid 512x512 from site-a at /);

    const cleaned = await run('site-b', ['cleanup', endpointsFile]);
    assert.equal(cleaned.code, 0, cleaned.err);
    for (const site of s.sites) {
      await assert.rejects(access(site.localPath), /ENOENT/, site.name);
    }
  });
});
