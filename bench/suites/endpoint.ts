/**
 * Endpoint get vs a raw HTTP transfer of the same bytes on loopback:
 *   A (raw): a minimal node:http server in another process answers every
 *            GET with the bytes from memory; the client reads them on a
 *            keep-alive agent.
 *   B (ours): EndpointConnector.get() of the same bytes from an endpoint
 *            started with `proxystore-endpoint start` (a daemon process).
 * Target: B/A <= 1.2 at 1 MiB and above.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { readEndpointConfig } from '../../src/endpoint/config-files.js';
import { EndpointConnector } from '../../src/endpoint/index.js';
import { MiB, standardSizes, type BenchContext } from '../harness.js';

export const name = 'endpoint';

const CLI = fileURLToPath(new URL('../../src/cli/endpoint.ts', import.meta.url));

/** The raw baseline server: sets its body from a POST, answers GETs with it. */
const RAW_SERVER = `
import { createServer } from 'node:http';
let body = Buffer.alloc(0);
const server = createServer((req, res) => {
  if (req.method === 'POST') {
    const parts = [];
    req.on('data', (c) => parts.push(c));
    req.on('end', () => { body = Buffer.concat(parts); res.end(); });
    return;
  }
  res.writeHead(200, {
    'Content-Type': 'application/octet-stream',
    'Content-Length': String(body.byteLength),
  });
  res.end(body);
});
server.keepAliveTimeout = 65000;
server.listen(0, '127.0.0.1', () => process.stdout.write(server.address().port + '\\n'));
process.on('SIGTERM', () => process.exit(0));
`;

function cli(home: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', CLI, ...args],
      { env: { ...process.env, PROXYSTORE_HOME: home }, timeout: 60_000 },
      (err, _out, stderr) => (err === null ? resolve() : reject(new Error(stderr))),
    );
  });
}

async function startRawServer(): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, ['--input-type=module', '-e', RAW_SERVER], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('raw server did not start')), 10_000);
    child.stdout?.once('data', (d: Buffer) => {
      clearTimeout(timer);
      resolve(Number(d.toString().trim()));
    });
  });
  return { child, port };
}

/** One raw HTTP exchange: POST sets the body; GET reads it into one Buffer. */
function raw(agent: Agent, port: number, method: string, body?: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const req = request({ agent, host: '127.0.0.1', port, method, path: '/' }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (c: Buffer) => parts.push(c));
      res.on('end', () => resolve(Buffer.concat(parts)));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

export default async function run(ctx: BenchContext): Promise<void> {
  const home = mkdtempSync(join(tmpdir(), 'ps-bench-endpoint-'));
  const agent = new Agent({ keepAlive: true });
  let rawServer: { child: ChildProcess; port: number } | undefined;
  let connector: EndpointConnector | undefined;
  let started = false;

  try {
    await cli(home, ['configure', 'bench', '--port', '0']);
    await cli(home, ['start', 'bench']);
    started = true;
    const { uuid } = await readEndpointConfig('bench', home);
    connector = new EndpointConnector({ endpoints: [uuid], proxystoreDir: home });
    rawServer = await startRawServer();
    const rawPort = rawServer.port;
    const endpoint = connector;

    for (const size of standardSizes(ctx.quick)) {
      const data = randomBytes(size);
      const key = await endpoint.put(data);
      await raw(agent, rawPort, 'POST', data);

      await ctx.compare({
        group: 'get through the local endpoint vs raw HTTP GET on loopback',
        size,
        a: {
          label: 'raw node:http GET',
          fn: async () => {
            const got = await raw(agent, rawPort, 'GET');
            if (got.byteLength !== size) throw new Error(`raw got ${got.byteLength} bytes`);
          },
        },
        b: {
          label: 'EndpointConnector.get',
          fn: async () => {
            const got = await endpoint.get(key);
            if (got?.byteLength !== size) throw new Error('endpoint get failed');
          },
        },
        target: size >= MiB ? { max: 1.2 } : {},
      });
      await endpoint.evict(key);
    }
  } finally {
    agent.destroy();
    await connector?.close();
    rawServer?.child.kill('SIGTERM');
    if (started) await cli(home, ['stop', 'bench']).catch(() => undefined);
    rmSync(home, { recursive: true, force: true });
  }
}
