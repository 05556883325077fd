#!/usr/bin/env node
// Builds the native addon behind UCXStore (native/ucx) when UCX is installed.
//
// Without UCX (or without a compiler, node-gyp or node-addon-api) it prints
// one line saying UCXStore is unavailable and exits 0, so `npm ci` never
// fails for users who do not need UCX. With CI=true and
// PROXYSTORE_REQUIRE_UCX=1 any of these is an error (exit 1) instead.
// PROXYSTORE_SKIP_UCX=1 skips the build; PROXYSTORE_UCX_VERBOSE=1 prints
// the node-gyp log.
//
// Usage: node scripts/build-ucx.mjs
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const addonDir = join(root, 'native', 'ucx');
const require = createRequire(import.meta.url);
const required =
  process.env.CI === 'true' && process.env.PROXYSTORE_REQUIRE_UCX === '1';

const verbose = process.env.PROXYSTORE_UCX_VERBOSE === '1';

function unavailable(reason, log = '') {
  if (log && (required || verbose)) process.stderr.write(log);
  if (required) {
    process.stderr.write(
      `proxystore: building the UCX addon failed: ${reason}. ` +
        'PROXYSTORE_REQUIRE_UCX=1 makes this an error.\n',
    );
    process.exit(1);
  }
  process.stdout.write(
    `proxystore: UCXStore is unavailable (${reason}); install libucx-dev ` +
      'and run `npm rebuild proxystore` to enable it.\n',
  );
  process.exit(0);
}

const GYP_BIN = join('node-gyp', 'bin', 'node-gyp.js');

function firstExisting(paths) {
  return paths.find((p) => p !== undefined && existsSync(p));
}

/** node-gyp: npm's own (npm sets npm_config_node_gyp), a local one, or npm's bundled one. */
function findNodeGyp() {
  let local;
  try {
    local = require.resolve('node-gyp/bin/node-gyp.js');
  } catch {
    local = undefined;
  }
  const npmCli = process.env.npm_execpath;
  const prefix = dirname(dirname(process.execPath));
  return firstExisting([
    process.env.npm_config_node_gyp,
    local,
    npmCli && join(dirname(npmCli), '..', 'node_modules', GYP_BIN),
    join(prefix, 'lib', 'node_modules', 'npm', 'node_modules', GYP_BIN),
  ]);
}

/** Headers of the running Node, so node-gyp needs no download. */
function nodedirArgs() {
  if (process.env.npm_config_nodedir) return [];
  const prefix = dirname(dirname(process.execPath));
  const local = join(prefix, 'include', 'node', 'common.gypi');
  return existsSync(local) ? [`--nodedir=${prefix}`] : [];
}

function main() {
  if (process.env.PROXYSTORE_SKIP_UCX === '1') {
    unavailable('PROXYSTORE_SKIP_UCX=1 skipped the build');
  }
  if (process.platform !== 'linux') {
    unavailable(`UCX is not supported on ${process.platform}`);
  }
  if (!existsSync(join(addonDir, 'binding.gyp'))) {
    unavailable('the addon sources are not in this package');
  }

  const { findUcx } = require(join(addonDir, 'ucx-flags.cjs'));
  const ucx = findUcx();
  if (ucx === undefined) {
    unavailable(
      'UCX headers (ucp/api/ucp.h) were not found; set UCX_HOME for a custom prefix',
    );
  }
  try {
    require.resolve('node-addon-api', { paths: [addonDir] });
  } catch {
    unavailable('the node-addon-api package is not installed');
  }
  const nodeGyp = findNodeGyp();
  if (nodeGyp === undefined) unavailable('node-gyp was not found');

  const result = spawnSync(
    process.execPath,
    [nodeGyp, 'rebuild', `--directory=${addonDir}`, ...nodedirArgs()],
    { cwd: addonDir, encoding: 'utf8', env: process.env, maxBuffer: 64 << 20 },
  );
  const log = `${result.stdout ?? ''}${result.stderr ?? ''}`;
  if (result.status !== 0) {
    const why = result.error?.message ?? `node-gyp exited with code ${result.status}`;
    unavailable(`${why}; set PROXYSTORE_UCX_VERBOSE=1 to see the log`, log);
  }

  if (verbose) process.stdout.write(log);
  const built = join(addonDir, 'build', 'Release', 'proxystore_ucx.node');
  if (!existsSync(built)) unavailable('node-gyp produced no addon', log);
  process.stdout.write(`proxystore: built the UCX addon against ${ucx.includeDir}.\n`);
}

main();
