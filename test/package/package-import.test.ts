// Imports the BUILT package (dist/, through its exports map) from a project
// outside this repository, as a user would, and type-checks a consumer
// against the published types. `npm test` builds first (pretest).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';

const run = promisify(execFile);
const root = new URL('../../', import.meta.url).pathname;
let app: string;

before(() => {
  assert.ok(existsSync(join(root, 'dist', 'index.js')), 'run `npm run build` first');
  app = mkdtempSync(join(tmpdir(), 'ps-consumer-'));
  mkdirSync(join(app, 'node_modules'));
  symlinkSync(root, join(app, 'node_modules', 'proxystore'), 'dir');
  writeFileSync(join(app, 'package.json'), JSON.stringify({ type: 'module' }));
});

after(() => rmSync(app, { recursive: true, force: true }));

describe('the built package', { timeout: 120_000 }, () => {
  it('loads the root and round-trips a proxy through JSON', async () => {
    writeFileSync(
      join(app, 'root.mjs'),
      `import * as ps from 'proxystore';
       const store = new ps.LocalStore('x');
       const p = await store.proxy({ a: [1, 2] }, { populateTarget: false });
       const back = JSON.parse(JSON.stringify(p), ps.reviveProxies);
       console.log(JSON.stringify({ a: back.a, proxy: ps.isProxy(back) }));`,
    );
    const { stdout } = await run(process.execPath, ['root.mjs'], { cwd: app });
    const out = JSON.parse(stdout) as { a: number[]; proxy: boolean };
    assert.deepEqual(out.a, [1, 2]);
    assert.equal(out.proxy, true);
  });

  it('root import loads no optional peer dependency (checked through the loader)', async () => {
    writeFileSync(
      join(app, 'hooks.mjs'),
      `export async function resolve(spec, ctx, next) {
         const r = await next(spec, ctx);
         if (/node_modules\\/(ioredis|ws|node-datachannel|bufferutil)\\//.test(r.url)) {
           process.stderr.write('LOADED ' + r.url + '\\n');
         }
         return r;
       }`,
    );
    writeFileSync(
      join(app, 'register.mjs'),
      `import { register } from 'node:module';
       register('./hooks.mjs', import.meta.url);`,
    );
    writeFileSync(join(app, 'plain.mjs'), `import 'proxystore'; console.log('ok');`);
    const { stdout, stderr } = await run(
      process.execPath,
      ['--import', './register.mjs', 'plain.mjs'],
      { cwd: app },
    );
    assert.equal(stdout.trim(), 'ok');
    assert.doesNotMatch(stderr, /LOADED/);
  });

  it('every subpath in the exports map resolves to built files', async () => {
    writeFileSync(
      join(app, 'subpaths.mjs'),
      `const names = {};
       for (const sub of ['proxystore/redis', 'proxystore/endpoint', 'proxystore/dim', 'proxystore/globus']) {
         names[sub] = Object.keys(await import(sub)).sort();
       }
       console.log(JSON.stringify(names));`,
    );
    const { stdout } = await run(process.execPath, ['subpaths.mjs'], { cwd: app });
    const names = JSON.parse(stdout) as Record<string, string[]>;
    assert.ok(names['proxystore/redis']?.includes('RedisStore'));
    assert.ok(names['proxystore/endpoint']?.includes('EndpointStore'));
    assert.ok(names['proxystore/dim']?.includes('WebsocketStore'));
    assert.ok(names['proxystore/globus']?.includes('GlobusStore'));
  });

  it('type-checks a consumer against the published declarations', async () => {
    writeFileSync(
      join(app, 'consumer.ts'),
      `import { FileStore, resolve, type Store } from 'proxystore';
       import { RedisStore } from 'proxystore/redis';
       const store: Store = new FileStore('t', { storeDir: '/tmp/x' });
       const p = await store.proxy({ n: 1 });
       const n: number = p.n;
       await resolve(p);
       export { n, RedisStore };`,
    );
    writeFileSync(
      join(app, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          target: 'ES2022',
          strict: true,
          noEmit: true,
          skipLibCheck: false,
          // A Node consumer has @types/node; borrow ours.
          types: ['node'],
          typeRoots: [join(root, 'node_modules', '@types')],
        },
        files: ['consumer.ts'],
      }),
    );
    const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
    try {
      await run(process.execPath, [tsc, '-p', 'tsconfig.json'], { cwd: app });
    } catch (err) {
      assert.fail(`tsc reported errors:\n${(err as { stdout?: string }).stdout ?? String(err)}`);
    }
  });
});
