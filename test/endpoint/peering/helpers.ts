/**
 * Shared pieces of the peering tests: a relay in a child process
 * (`src/cli/relay.ts`), a peer endpoint in a child process
 * (fixtures/peer-child.ts), and small waiting helpers. Everything started
 * here is stopped by its `stop()`; an exit hook kills leftovers of a crash.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const RELAY_CLI = fileURLToPath(new URL('../../../src/cli/relay.ts', import.meta.url));
const PEER_CHILD = fileURLToPath(new URL('./fixtures/peer-child.ts', import.meta.url));
const START_TIMEOUT_MS = 15_000;
const STOP_TIMEOUT_MS = 5_000;

const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/** A child process started by these helpers. */
export interface ChildHandle {
  readonly process: ChildProcess;
  /** Everything the child printed on stdout and stderr so far. */
  output(): string;
  /** Resolves with the first output line matching `pattern`. */
  waitForLine(pattern: RegExp, timeoutMs?: number): Promise<RegExpExecArray>;
  /** Resolves with the exit code once the child exits by itself. */
  exited(): Promise<number | null>;
  /** SIGTERM, then SIGKILL after a grace period; resolves with the exit code. */
  stop(): Promise<number | null>;
}

/** Spawns `node --import tsx <script> ...args` in the project root. */
export function spawnTs(
  script: string,
  args: string[],
  env: NodeJS.ProcessEnv = {},
): ChildHandle {
  const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);

  let text = '';
  const listeners = new Set<() => void>();
  const onData = (chunk: Buffer) => {
    text += chunk.toString();
    for (const listener of listeners) listener();
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => {
      running.delete(child);
      for (const listener of listeners) listener();
      resolve(code);
    });
  });

  return {
    process: child,
    output: () => text,
    exited: () => exited,
    waitForLine(pattern, timeoutMs = START_TIMEOUT_MS) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const match = pattern.exec(text);
          if (match !== null) {
            done();
            resolve(match);
          } else if (child.exitCode !== null || child.signalCode !== null) {
            done();
            reject(new Error(`Child exited before printing ${pattern}:\n${text}`));
          }
        };
        const timer = setTimeout(() => {
          done();
          reject(new Error(`Timed out waiting for ${pattern}; output:\n${text}`));
        }, timeoutMs);
        const done = () => {
          clearTimeout(timer);
          listeners.delete(check);
        };
        listeners.add(check);
        check();
      });
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}

/** A relay running in a child process. */
export interface RelayProcess extends ChildHandle {
  readonly url: string;
  readonly port: number;
}

/** Starts `proxystore-relay` (from source) and waits for its startup line. */
export async function startRelayProcess(args: string[] = []): Promise<RelayProcess> {
  const handle = spawnTs(RELAY_CLI, args.includes('--port') ? args : ['--port', '0', ...args]);
  try {
    const match = await handle.waitForLine(/listening on (ws:\/\/127\.0\.0\.1:(\d+))/);
    return { ...handle, url: match[1] ?? '', port: Number(match[2]) };
  } catch (error) {
    await handle.stop();
    throw error;
  }
}

/** A peer endpoint (a PeerManager over a Map) in a child process. */
export async function startPeerProcess(
  relayUrl: string,
  endpointId: string,
  env: NodeJS.ProcessEnv = {},
): Promise<ChildHandle> {
  const handle = spawnTs(PEER_CHILD, [relayUrl, endpointId], env);
  try {
    await handle.waitForLine(/peer ready/);
    return handle;
  } catch (error) {
    await handle.stop();
    throw error;
  }
}

/** Polls `predicate` every 20 ms until it holds; fails after `timeoutMs`. */
export async function waitUntil(
  predicate: () => boolean,
  what: string,
  timeoutMs = 10_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting until ${what}.`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Sleeps; used only to give a misbehaving retry loop room to show itself. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Deterministic pseudo-random bytes, so both processes can check content. */
export function patternBytes(size: number, seed: number): Buffer {
  const out = Buffer.allocUnsafe(size);
  let x = (seed * 2654435761) >>> 0 || 1;
  for (let i = 0; i < size; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out[i] = x & 0xff;
  }
  return out;
}
