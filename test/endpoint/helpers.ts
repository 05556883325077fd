/**
 * Test helpers for the endpoint: an in-process server on a free loopback
 * port, raw HTTP requests, and the CLI run as a real child process.
 */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { request, type OutgoingHttpHeaders } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

import { Endpoint } from '../../src/endpoint/endpoint.js';
import type { Forwarder } from '../../src/endpoint/forwarding.js';
import { EndpointServer } from '../../src/endpoint/server.js';
import { EndpointStorage } from '../../src/endpoint/storage/endpoint-storage.js';

export const CLI = resolve(import.meta.dirname, '../../src/cli/endpoint.ts');

/** An endpoint served in this process (for tests of async paths only). */
export interface TestServer {
  endpoint: Endpoint;
  port: number;
  close(): Promise<void>;
}

export async function startTestServer(options: {
  maxObjectSize?: number;
  memoryLimit?: number;
  token?: string;
  forwarder?: Forwarder;
  uuid?: string;
} = {}): Promise<TestServer> {
  const dir = await mkdtemp(join(tmpdir(), 'ps-endpoint-server-'));
  const storage = new EndpointStorage({
    memoryLimit: options.memoryLimit ?? 64 * 1024 * 1024,
    spillDir: join(dir, 'spill'),
  });
  await storage.open();

  const endpoint = new Endpoint({
    uuid: options.uuid ?? randomUUID(),
    name: 'test',
    storage,
    maxObjectSize: options.maxObjectSize ?? 1024 * 1024,
    forwarder: options.forwarder,
  });
  const server = new EndpointServer({ endpoint, token: options.token });
  const { port } = await server.listen();

  return {
    endpoint,
    port,
    close: async () => {
      await server.close();
      await storage.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** A raw HTTP answer. */
export interface RawReply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/**
 * Sends one request on a fresh connection. `chunks` are written one by one
 * (a chunked body unless a Content-Length header is given).
 */
export function rawRequest(
  port: number,
  method: string,
  path: string,
  options: { headers?: OutgoingHttpHeaders; chunks?: Uint8Array[] } = {},
): Promise<RawReply> {
  return new Promise((done, fail) => {
    const req = request(
      { host: '127.0.0.1', port, method, path, headers: options.headers, agent: false },
      (res) => {
        const parts: Buffer[] = [];
        res.on('data', (c: Buffer) => parts.push(c));
        res.on('end', () =>
          done({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(parts) }),
        );
        res.on('error', fail);
      },
    );
    req.setTimeout(20_000, () => req.destroy(new Error('test request timed out')));
    req.on('error', fail);
    for (const chunk of options.chunks ?? []) req.write(chunk);
    req.end();
  });
}

/** Result of one CLI run. */
export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `proxystore-endpoint ARGS` as a child process with the given home. */
export function runCli(home: string, args: string[], timeoutMs = 60_000): Promise<CliResult> {
  return new Promise((done) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', CLI, ...args],
      {
        env: { ...process.env, PROXYSTORE_HOME: home },
        timeout: timeoutMs,
        killSignal: 'SIGKILL',
      },
      (err, stdout, stderr) => {
        const code = err === null ? 0 : typeof err.code === 'number' ? err.code : -1;
        done({ code, stdout, stderr });
      },
    );
  });
}

/** An endpoint configured and started through the CLI (a real daemon). */
export interface CliEndpoint {
  name: string;
  uuid: string;
  port: number;
  pid: number;
  /** `proxystore-endpoint stop NAME`; safe to call twice. */
  stop(): Promise<void>;
}

/**
 * Runs `configure NAME --port 0 ...` (unless configured already) and
 * `start NAME` under `home`; throws with the CLI output when either fails.
 */
export async function startCliEndpoint(
  home: string,
  name: string,
  configureArgs: string[] = [],
): Promise<CliEndpoint> {
  const { readEndpointConfig } = await import('../../src/endpoint/config-files.js');
  const { readPidFile } = await import('../../src/endpoint/pid-file.js');

  const configured = await readEndpointConfig(name, home).catch(() => undefined);
  if (configured === undefined) {
    const res = await runCli(home, ['configure', name, '--port', '0', ...configureArgs]);
    if (res.code !== 0) throw new Error(`configure ${name} failed: ${res.stderr}`);
  }

  const res = await runCli(home, ['start', name]);
  if (res.code !== 0) throw new Error(`start ${name} failed: ${res.stderr}`);

  const config = await readEndpointConfig(name, home);
  const pid = await readPidFile(join(home, 'endpoints', name, 'daemon.pid'));
  if (pid?.port === undefined) throw new Error(`${name} wrote no address`);

  return {
    name,
    uuid: config.uuid,
    port: pid.port,
    pid: pid.pid,
    stop: async () => {
      await runCli(home, ['stop', name]);
    },
  };
}
