import { homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';

/**
 * The ProxyStore home directory, where endpoint configurations, logs and
 * databases live.
 *
 * Order: `PROXYSTORE_HOME`; otherwise the platform's user data directory
 * with a `proxystore` folder in it: `$XDG_DATA_HOME/proxystore` or
 * `~/.local/share/proxystore` on Linux and other Unixes,
 * `~/Library/Application Support/proxystore` on macOS and
 * `%LOCALAPPDATA%\proxystore` on Windows. The result is absolute.
 *
 * @param env - the environment to read. @defaultValue `process.env`
 */
export function proxystoreHome(env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env['PROXYSTORE_HOME'];
  if (fromEnv !== undefined && fromEnv !== '') return resolve(fromEnv);

  return join(userDataDir(env), 'proxystore');
}

function userDataDir(env: NodeJS.ProcessEnv): string {
  const home = homedir();

  if (process.platform === 'win32') {
    const local = env['LOCALAPPDATA'];
    return local !== undefined && local !== ''
      ? local
      : join(home, 'AppData', 'Local');
  }

  if (process.platform === 'darwin') {
    return join(home, 'Library', 'Application Support');
  }

  const xdg = env['XDG_DATA_HOME'];
  if (xdg !== undefined && isAbsolute(xdg)) return xdg;
  return join(home, '.local', 'share');
}
