/**
 * Peer processes of the benchmark suites: a suite forks its own file with
 * an environment that makes it run as the peer, which reports once with
 * what the suite needs, then waits until its parent disconnects.
 */
import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** Bounded wait for a peer to start, and for one to exit once asked. */
const START_WAIT_MS = 60_000;
const STOP_WAIT_MS = 10_000;

/**
 * Forks `moduleUrl` under tsx with `env` and waits (bounded) for its first
 * message; a peer that exits or stays silent first is killed.
 */
export async function forkPeer<Ready>(
  moduleUrl: string,
  env: NodeJS.ProcessEnv,
): Promise<{ child: ChildProcess; ready: Ready }> {
  const child = fork(fileURLToPath(moduleUrl), [], {
    execArgv: ['--import', 'tsx'],
    env,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  try {
    const ready = await new Promise<Ready>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('bench peer did not start')), START_WAIT_MS);
      child.once('message', (message: Ready) => {
        clearTimeout(timer);
        resolve(message);
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`bench peer exited (code ${code})`));
      });
    });
    return { child, ready };
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
}

/** Disconnects a peer so it closes and exits; kills it if it does not. */
export async function stopPeer(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const timer = setTimeout(() => child.kill('SIGKILL'), STOP_WAIT_MS);
  if (child.connected) child.disconnect();
  else child.kill('SIGKILL');
  await exited;
  clearTimeout(timer);
}
