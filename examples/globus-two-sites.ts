/**
 * Two sites sharing objects through Globus Transfer (see docs/globus.md).
 *
 * At site A (its host matches site A's host_regex):
 *   node --import tsx examples/globus-two-sites.ts produce endpoints.json > ref.json
 * At site B:
 *   node --import tsx examples/globus-two-sites.ts consume endpoints.json ref.json
 * When both are done, at either site:
 *   node --import tsx examples/globus-two-sites.ts cleanup endpoints.json
 *
 * Each host needs Globus credentials first: `proxystore-globus-auth login`.
 */
import { readFileSync } from 'node:fs';

import { proxiesToReferences, resolve, reviveProxies } from 'proxystore';
import { currentHost, GlobusEndpoints, GlobusStore } from 'proxystore/globus';

interface Forecast {
  site: string;
  createdAt: string;
  grid: number[][];
}

const [command, endpointsFile, refFile] = process.argv.slice(2);
if (command === undefined || endpointsFile === undefined) {
  process.stderr.write(
    'usage: globus-two-sites.ts produce|consume|cleanup ENDPOINTS [REF]\n',
  );
  process.exit(2);
}

const store = new GlobusStore('two-sites', {
  endpoints: GlobusEndpoints.fromJsonFile(endpointsFile),
  // Objects must outlive this process: only `cleanup` deletes them.
  clear: false,
  pollingInterval: 2_000,
  timeout: 300_000,
});

if (command === 'produce') {
  const forecast: Forecast = {
    site: currentHost(),
    createdAt: new Date().toISOString(),
    grid: Array.from({ length: 512 }, (_, i) =>
      Array.from({ length: 512 }, (_, j) => i * j),
    ),
  };
  const proxy = await store.proxy(forecast);
  // The reference holds the store config and the key, never the data.
  process.stdout.write(`${JSON.stringify(proxiesToReferences(proxy))}\n`);
} else if (command === 'consume') {
  if (refFile === undefined) throw new Error('consume needs the REF file from produce');
  const proxy = JSON.parse(readFileSync(refFile, 'utf8'), reviveProxies) as Forecast;
  // Waits for the Globus task that copies the file here, then reads it.
  await resolve(proxy);
  const size = `${proxy.grid.length}x${proxy.grid[0]?.length ?? 0}`;
  process.stdout.write(`grid ${size} from ${proxy.site} at ${proxy.createdAt}\n`);
} else if (command === 'cleanup') {
  // Deletes the store's directory on every endpoint and waits for it.
  await store.close({ clear: true });
} else {
  process.stderr.write(`unknown command ${command}\n`);
  process.exitCode = 2;
}

await store.close();
