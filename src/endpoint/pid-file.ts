/**
 * The pid file of a running endpoint: line 1 is the process id (as every pid
 * file), line 2 the `host:port` the server listens on (so port 0 configs can
 * be found). It is created exclusively once the server listens, and removed
 * when the server stops.
 */
import { randomBytes } from 'node:crypto';
import { link, readFile, rm, writeFile } from 'node:fs/promises';

/** What a pid file says. */
export interface PidInfo {
  pid: number;
  host?: string | undefined;
  port?: number | undefined;
}

/** Reads a pid file; `null` when it is missing or unreadable as one. */
export async function readPidFile(path: string): Promise<PidInfo | null> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }

  const [first, second] = text.split('\n');
  const pid = Number(first?.trim());
  if (!Number.isSafeInteger(pid) || pid <= 0) return null;

  const address = second?.trim() ?? '';
  const colon = address.lastIndexOf(':');
  const port = Number(address.slice(colon + 1));
  if (colon <= 0 || !Number.isInteger(port)) return { pid };
  return { pid, host: address.slice(0, colon), port };
}

/**
 * Creates the pid file; fails with `EEXIST` when one exists already, so two
 * servers of one endpoint cannot both claim it. The content appears whole
 * (written to a temporary file, then hard-linked into place).
 */
export async function createPidFile(
  path: string,
  info: PidInfo,
): Promise<void> {
  const tmp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  const address =
    info.host === undefined ? '' : `${info.host}:${String(info.port)}`;
  await writeFile(tmp, `${info.pid}\n${address}\n`);
  try {
    await link(tmp, path);
  } finally {
    await rm(tmp, { force: true });
  }
}

/** Removes the pid file if it still names `pid` (or unconditionally). */
export async function removePidFile(path: string, pid?: number): Promise<void> {
  if (pid !== undefined) {
    const info = await readPidFile(path).catch(() => null);
    if (info !== null && info.pid !== pid) return;
  }
  await rm(path, { force: true });
}

/** Whether a process with this id exists (and we may signal it). */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
