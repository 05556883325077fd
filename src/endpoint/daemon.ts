/**
 * Starts an endpoint as a daemon and stops it again.
 *
 * The daemon is this same CLI run again (`start NAME --foreground`) by the
 * same Node binary with the same loader flags (`process.execArgv`), so it
 * works from the built `.js` files and under `tsx` alike. It runs detached,
 * in its own process group, with stdout and stderr appended to the
 * endpoint's log file.
 */
import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';

import { EndpointError } from '../errors.js';
import { connectHost } from './config.js';
import { endpointPaths } from './config-files.js';
import { EndpointClient } from './client.js';
import { START_TIMEOUT_MS, STOP_TIMEOUT_MS } from './constants.js';
import { readPidFile, removePidFile } from './pid-file.js';
import { endpointState, isEndpointProcess } from './status.js';

const POLL_MS = 50;

/** Flags of the parent that must not reach the daemon (debuggers). */
const DROPPED_FLAGS = /^--(inspect|debug)/;

/** Options of {@link spawnDaemon}. */
export interface SpawnDaemonOptions {
  /** Absolute path of the CLI script to run (`src/cli/endpoint` file). */
  cliPath: string;
  home: string;
  /** How long to wait for the daemon to serve. */
  timeoutMs?: number | undefined;
}

/**
 * Spawns the daemon of endpoint `name` and waits until it serves.
 *
 * @returns the daemon's process id.
 * @throws {@link EndpointError} when it exits early or does not answer in
 * time (the message quotes the end of its log).
 */
export async function spawnDaemon(
  name: string,
  options: SpawnDaemonOptions,
): Promise<number> {
  const paths = endpointPaths(name, options.home);
  const execArgv = process.execArgv.filter((f) => !DROPPED_FLAGS.test(f));

  const logFd = openSync(paths.log, 'a');
  const child = (() => {
    try {
      return spawn(
        process.execPath,
        [...execArgv, options.cliPath, 'start', name, '--foreground'],
        {
          detached: true,
          stdio: ['ignore', logFd, logFd],
          env: { ...process.env, PROXYSTORE_HOME: options.home },
        },
      );
    } finally {
      closeSync(logFd);
    }
  })();

  let exitCode: number | null | undefined;
  child.on('exit', (code, signal) => {
    exitCode = code ?? (signal === null ? -1 : 128);
  });
  child.on('error', () => {
    exitCode = -1;
  });
  child.unref();

  const pid = child.pid;
  const deadline = Date.now() + (options.timeoutMs ?? START_TIMEOUT_MS);
  while (Date.now() < deadline && exitCode === undefined && pid !== undefined) {
    if (await isServing(paths.pid, pid)) return pid;
    await sleep(POLL_MS);
  }

  if (exitCode === undefined && pid !== undefined) {
    signal(pid, 'SIGKILL');
    await removePidFile(paths.pid, pid);
  }
  const tail = await logTail(paths.log);
  throw new EndpointError(
    exitCode === undefined
      ? `Endpoint '${name}' did not start serving within ` +
          `${options.timeoutMs ?? START_TIMEOUT_MS} ms and was killed. ` +
          `Its log (${paths.log}) ends with:\n${tail}`
      : `Endpoint '${name}' exited during start-up (code ${exitCode}). ` +
          `Its log (${paths.log}) ends with:\n${tail}`,
    { endpoint: name },
  );
}

async function isServing(pidPath: string, pid: number): Promise<boolean> {
  const info = await readPidFile(pidPath);
  if (info?.pid !== pid || info.host === undefined || info.port === undefined) {
    return false;
  }

  const client = new EndpointClient({
    host: connectHost(info.host),
    port: info.port,
    timeoutMs: 2_000,
  });
  try {
    await client.identity().catch(async (err: unknown) => {
      // A token-protected endpoint answers 401: it serves all the same.
      if ((err as { status?: number }).status !== 401) throw err;
    });
    return true;
  } catch {
    return false;
  } finally {
    client.close();
  }
}

async function logTail(path: string, lines = 20): Promise<string> {
  const text = await readFile(path, 'utf8').catch(() => '');
  return text.trimEnd().split('\n').slice(-lines).join('\n') || '(empty)';
}

/** What {@link stopDaemon} did. */
export type StopOutcome =
  | 'stopped'
  | 'not-running'
  | 'stale-pid-file'
  | 'killed';

/**
 * Stops endpoint `name`: SIGTERM, a bounded wait, then SIGKILL if needed;
 * removes the pid file. A stale pid file (process gone, or its pid reused by
 * another program) is removed without signalling anything.
 *
 * @throws {@link EndpointError} when the endpoint is not configured.
 */
export async function stopDaemon(
  name: string,
  home: string,
  timeoutMs: number = STOP_TIMEOUT_MS,
): Promise<StopOutcome> {
  const state = await endpointState(name, home);
  const pidPath = endpointPaths(name, home).pid;

  if (state.status === 'unknown') {
    throw state.error ?? new EndpointError(`Endpoint '${name}' is unknown.`);
  }
  if (state.status === 'stopped') return 'not-running';
  if (state.status === 'hanging' || state.pid === undefined) {
    await removePidFile(pidPath);
    return 'stale-pid-file';
  }

  const pid = state.pid.pid;
  signal(pid, 'SIGTERM');
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && isEndpointProcess(pid, name)) {
    await sleep(POLL_MS);
  }

  let outcome: StopOutcome = 'stopped';
  if (isEndpointProcess(pid, name)) {
    signal(pid, 'SIGKILL');
    outcome = 'killed';
  }

  const info = await readPidFile(pidPath);
  if (info?.pid === pid) await removePidFile(pidPath, pid);
  return outcome;
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
  }
}
