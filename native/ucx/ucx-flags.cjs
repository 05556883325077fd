'use strict';
// Finds the UCX install the addon builds against, for binding.gyp and
// scripts/build-ucx.mjs: $UCX_HOME when set (and then only there), else
// pkg-config `ucx`, else the standard prefixes.
// Usage: node ucx-flags.cjs include|libs|prefix  (prints space-separated words)

const { execFileSync } = require('node:child_process');
const { existsSync } = require('node:fs');
const { join } = require('node:path');

const HEADER = join('ucp', 'api', 'ucp.h');
const STANDARD_PREFIXES = ['/usr', '/usr/local', '/opt/ucx'];

function pkgConfig(args) {
  try {
    return execFileSync('pkg-config', [...args, 'ucx'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
  } catch {
    return undefined;
  }
}

/** Returns `{ includeDir, libDir }` of the UCX found, or undefined. */
function findUcx() {
  const home = process.env.UCX_HOME;
  if (home) {
    const includeDir = join(home, 'include');
    if (!existsSync(join(includeDir, HEADER))) return undefined;
    return { includeDir, libDir: join(home, 'lib') };
  }

  const include = pkgConfig(['--variable=includedir']);
  const lib = pkgConfig(['--variable=libdir']);
  if (include && lib && existsSync(join(include, HEADER))) {
    return { includeDir: include, libDir: lib };
  }

  for (const prefix of STANDARD_PREFIXES) {
    const includeDir = join(prefix, 'include');
    if (existsSync(join(includeDir, HEADER))) {
      return { includeDir, libDir: join(prefix, 'lib') };
    }
  }
  return undefined;
}

const STANDARD_INCLUDE = new Set(['/usr/include', '/usr/local/include']);

function main(what) {
  const ucx = findUcx();
  if (ucx === undefined) return '';
  switch (what) {
    case 'include':
      return STANDARD_INCLUDE.has(ucx.includeDir) ? '' : ucx.includeDir;
    case 'libs': {
      const standard = ucx.libDir.startsWith('/usr/lib');
      const dirs = standard
        ? []
        : [`-L${ucx.libDir}`, `-Wl,-rpath,${ucx.libDir}`];
      return [...dirs, '-lucp', '-lucs'].join(' ');
    }
    case 'prefix':
      return ucx.includeDir;
    default:
      throw new Error(`ucx-flags.cjs: unknown query '${what}'.`);
  }
}

module.exports = { findUcx };

if (require.main === module) {
  process.stdout.write(main(process.argv[2] ?? ''));
}
