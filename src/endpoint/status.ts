/**
 * Whether an endpoint is running, from its folder and pid file:
 * - `running`: the pid file names a live endpoint process;
 * - `stopped`: a valid config and no pid file;
 * - `hanging`: a pid file whose process is gone (or is another program);
 * - `unknown`: no folder, or a config that cannot be read.
 */
import { readFileSync } from 'node:fs';

import { EndpointError } from '../errors.js';
import { proxystoreHome } from '../utils/home.js';
import type { EndpointConfig } from './config.js';
import { endpointPaths, readEndpointConfig } from './config-files.js';
import { isProcessAlive, readPidFile, type PidInfo } from './pid-file.js';

export type EndpointStatus = 'running' | 'stopped' | 'hanging' | 'unknown';

/** An endpoint's status with what it was derived from. */
export interface EndpointState {
  name: string;
  status: EndpointStatus;
  config?: EndpointConfig | undefined;
  pid?: PidInfo | undefined;
  /** Why the status is `unknown`. */
  error?: EndpointError | undefined;
}

/** The state of endpoint `name`. */
export async function endpointState(
  name: string,
  home: string = proxystoreHome(),
): Promise<EndpointState> {
  let config: EndpointConfig;
  try {
    config = await readEndpointConfig(name, home);
  } catch (err) {
    if (!(err instanceof EndpointError)) throw err;
    return { name, status: 'unknown', error: err };
  }

  const pid = await readPidFile(endpointPaths(name, home).pid);
  if (pid === null) return { name, status: 'stopped', config };

  const alive = isEndpointProcess(pid.pid, name);
  return { name, status: alive ? 'running' : 'hanging', config, pid };
}

/**
 * Whether `pid` is a live process serving endpoint `name`. On Linux the
 * command line is checked too, so a pid reused by another program (after a
 * crash left a stale pid file) never counts as the endpoint, and is never
 * signalled by `stop`.
 */
export function isEndpointProcess(pid: number, name: string): boolean {
  if (!isProcessAlive(pid)) return false;
  if (process.platform !== 'linux') return true;

  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const end = stat.lastIndexOf(')');
    const state = stat.slice(end + 2, end + 3);
    if (state === 'Z' || state === 'X') return false;

    const args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    return args.includes('start') && args.includes(name);
  } catch {
    return false;
  }
}
