/**
 * Starts real `redis-server` processes for tests: one standalone server, or a
 * three-node cluster, each on free ports of 127.0.0.1 with its own temp dir.
 * Everything started here is stopped by `stop()` (call it in `after`, even on
 * failure); a process exit hook kills anything a crashed test left behind.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const HOST = '127.0.0.1';
const START_TIMEOUT_MS = 10_000;
const CLUSTER_TIMEOUT_MS = 20_000;
const CLUSTER_SLOTS = 16_384;

/** A running standalone server. */
export interface RedisServerHandle {
  readonly host: string;
  readonly port: number;
  /** `redis://127.0.0.1:<port>` */
  readonly url: string;
  /** The child process (for tests that kill it on purpose). */
  readonly process: ChildProcess;
  /** Kills the server (SIGKILL if it does not exit) and removes its dir. */
  stop(): Promise<void>;
}

/** A running three-master cluster. */
export interface RedisClusterHandle {
  readonly nodes: { host: string; port: number }[];
  stop(): Promise<void>;
}

const running = new Set<ChildProcess>();

process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/**
 * Why Redis tests should be skipped, or `false` to run them. Under `CI=true`
 * a missing `redis-server` never skips: the tests run and fail loudly.
 */
export function redisSkipReason(): string | false {
  if (hasRedisServer()) return false;
  if (process.env['CI'] === 'true') return false;
  return 'redis-server is not installed (apt-get install redis-server)';
}

let found: boolean | undefined;

/** Whether a `redis-server` binary is on the PATH. */
export function hasRedisServer(): boolean {
  if (found === undefined) {
    const probe = spawnSync('redis-server', ['--version'], {
      stdio: 'ignore',
      timeout: 5_000,
    });
    found = probe.error === undefined && probe.status === 0;
  }
  return found;
}

/** Finds a free TCP port on 127.0.0.1 (listen on 0, read it, close). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, HOST, resolve);
  });

  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') {
    throw new Error('Could not read the port of a probe socket.');
  }
  return address.port;
}

/**
 * Starts a standalone `redis-server` on a free port.
 *
 * @param args - extra server arguments, e.g. `['--proto-max-bulk-len', '1mb']`.
 */
export async function startRedisServer(
  args: readonly string[] = [],
): Promise<RedisServerHandle> {
  let lastError: unknown;

  // A port found free can be taken before redis binds it: retry a few times.
  for (let attempt = 0; attempt < 3; attempt += 1) {
    try {
      return await startOnce(args);
    } catch (error) {
      lastError = error;
    }
  }
  throw lastError;
}

async function startOnce(args: readonly string[]): Promise<RedisServerHandle> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'proxystore-redis-'));
  const child = spawn(
    'redis-server',
    [
      '--port', String(port),
      '--bind', HOST,
      '--save', '',
      '--appendonly', 'no',
      '--dir', dir,
      '--logfile', '',
      ...args,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  running.add(child);

  const stop = async (): Promise<void> => {
    await killChild(child);
    rmSync(dir, { recursive: true, force: true });
  };

  try {
    await waitReady(child, port);
  } catch (error) {
    await stop();
    throw error;
  }
  return { host: HOST, port, url: `redis://${HOST}:${port}`, process: child, stop };
}

/** Resolves when the server answers PING; rejects on exit or timeout. */
async function waitReady(child: ChildProcess, port: number): Promise<void> {
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-4_000);
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-4_000);
  });

  const exited = new Promise<never>((_, reject) => {
    child.once('error', (error) => reject(error));
    child.once('exit', (code) => {
      reject(new Error(`redis-server exited (${code}) on start:\n${output}`));
    });
  });
  exited.catch(() => undefined);

  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    const pong = await Promise.race([ping(port), exited]);
    if (pong) return;
    await sleep(50);
  }
  throw new Error(`redis-server on port ${port} was not ready in time:\n${output}`);
}

/** Sends one inline PING; true when the server answers (even NOAUTH). */
function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: HOST, port });
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1_000, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (data) => done(!data.toString().startsWith('-LOADING')));
  });
}

/** Kills a child by pid: SIGTERM, then SIGKILL after 3 s. */
export async function killChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) {
    running.delete(child);
    return;
  }

  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 3_000);
  await exited;
  clearTimeout(timer);
  running.delete(child);
}

/**
 * Starts three cluster-enabled servers, assigns each a third of the slots,
 * joins them with CLUSTER MEET and waits until every node reports
 * `cluster_state:ok`.
 */
export async function startRedisCluster(): Promise<RedisClusterHandle> {
  const servers: RedisServerHandle[] = [];
  const busPorts: number[] = [];
  const stop = async (): Promise<void> => {
    await Promise.all(servers.map((s) => s.stop()));
  };

  try {
    for (let i = 0; i < 3; i += 1) {
      const busPort = await freePort();
      busPorts.push(busPort);
      servers.push(
        await startRedisServer([
          '--cluster-enabled', 'yes',
          '--cluster-config-file', `nodes-${i}.conf`,
          '--cluster-node-timeout', '5000',
          '--cluster-port', String(busPort),
        ]),
      );
    }
    await formCluster(servers, busPorts);
  } catch (error) {
    await stop();
    throw error;
  }

  const nodes = servers.map((s) => ({ host: s.host, port: s.port }));
  return { nodes, stop };
}

async function formCluster(
  servers: RedisServerHandle[],
  busPorts: number[],
): Promise<void> {
  const share = Math.ceil(CLUSTER_SLOTS / servers.length);

  for (const [i, server] of servers.entries()) {
    const first = i * share;
    const last = Math.min(CLUSTER_SLOTS, first + share) - 1;
    await command(server.port, ['CLUSTER', 'ADDSLOTSRANGE', `${first}`, `${last}`]);
  }

  const [seed, ...others] = servers;
  if (seed === undefined) throw new Error('A cluster needs at least one node.');
  for (const [i, other] of others.entries()) {
    const bus = String(busPorts[i + 1]);
    await command(seed.port, ['CLUSTER', 'MEET', HOST, String(other.port), bus]);
  }

  const deadline = Date.now() + CLUSTER_TIMEOUT_MS;
  while (Date.now() < deadline) {
    const infos = await Promise.all(
      servers.map((s) => command(s.port, ['CLUSTER', 'INFO'])),
    );
    const ok = infos.every(
      (info) => info.includes('cluster_state:ok') && info.includes('cluster_known_nodes:3'),
    );
    if (ok) return;
    await sleep(100);
  }
  throw new Error('The test Redis cluster did not reach cluster_state:ok in time.');
}

/** Sends one RESP command and returns the raw reply text (errors reject). */
function command(port: number, args: readonly string[]): Promise<string> {
  const body = args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('');
  return new Promise((resolve, reject) => {
    const socket = createConnection({ host: HOST, port });
    let reply = '';
    socket.setTimeout(5_000, () => {
      socket.destroy();
      reject(new Error(`redis on port ${port} did not answer ${args[0]} in time.`));
    });
    socket.once('error', reject);
    socket.once('connect', () => socket.write(`*${args.length}\r\n${body}`));
    socket.on('data', (data) => {
      reply += data.toString();
      if (!isComplete(reply)) return;
      socket.destroy();
      if (reply.startsWith('-')) reject(new Error(`redis replied ${reply.trim()}`));
      else resolve(reply);
    });
  });
}

/** Whether a simple/error/bulk RESP reply has fully arrived. */
function isComplete(reply: string): boolean {
  if (!reply.endsWith('\r\n')) return false;
  if (!reply.startsWith('$')) return true;
  const header = reply.indexOf('\r\n');
  const length = Number(reply.slice(1, header));
  return length < 0 || Buffer.byteLength(reply) >= header + 2 + length + 2;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
