// Runs the README's examples and the main job as a user would, in child
// processes, and checks what they print.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';

const run = promisify(execFile);
const root = new URL('../../', import.meta.url).pathname;

async function example(file: string, args: string[] = []): Promise<string> {
  const { stdout } = await run(process.execPath, ['--import', 'tsx', file, ...args], {
    cwd: root,
    timeout: 120_000,
    maxBuffer: 10 * 1024 * 1024,
  });
  return stdout;
}

describe('examples', { timeout: 300_000 }, () => {
  it('quickstart.ts runs the tour', async () => {
    const out = await example('examples/quickstart.ts');
    assert.match(out, /proxy works as an array: true 2 Lyon/);
    assert.match(out, /revived: true resolved yet: false/);
    assert.match(out, /mean temperature: 19/);
  });

  it('worker-threads.ts resolves a proxy inside a worker thread', async () => {
    assert.match(await example('examples/worker-threads.ts'), /sum computed in the worker: 4500000/);
  });

  it('custom-codec.ts keeps the class across a reference', async () => {
    assert.match(await example('examples/custom-codec.ts'), /instanceof Point: true norm: 5/);
  });

  it('the main job (npm run demo) agrees by reference and by value on the real dataset', async () => {
    const out = await example('examples/flights-demo.ts', ['--chunks', '8', '--workers', '2']);
    assert.match(out, /flights-200k: 200000 rows, 8 chunks/);
    assert.match(out, /by-reference and by-value results agree: yes/);
    const sent = /by reference \(proxies\) \| ([\d.]+) kB/.exec(out);
    assert.ok(sent !== null, out);
    assert.ok(Number(sent[1]) < 10, 'eight references are a few kB');
  });
});
