import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

import { logger, warn } from '../utils/debug.js';
import { proxystoreHome } from '../utils/home.js';
import { GLOBUS_LOGIN_COMMAND, GlobusAuthError } from './errors.js';

const log = logger('globus:tokens');

/** File name of the token file in the ProxyStore home directory. */
export const GLOBUS_TOKEN_FILE_NAME = 'globus-tokens.json';

/** Tokens of one resource server, as kept in the token file. */
export interface GlobusTokenRecord {
  /** For example `transfer.api.globus.org`. */
  resourceServer: string;
  accessToken: string;
  /** Absent when the login did not ask for offline access. */
  refreshToken: string | null;
  /** When the access token expires, in seconds since the epoch. */
  expiresAtSeconds: number;
  /** Space-separated scopes the token carries. */
  scope: string;
  tokenType: string;
}

/** Content of the token file. */
export interface GlobusTokenFile {
  version: 1;
  /** The Auth client the tokens were issued to (refreshes must use it). */
  clientId: string;
  /** The Auth service that issued them. */
  authUrl: string;
  /** Token records keyed by resource server. */
  tokens: Record<string, GlobusTokenRecord>;
}

/** `<ProxyStore home>/globus-tokens.json`. */
export function defaultTokenFile(env: NodeJS.ProcessEnv = process.env): string {
  return join(proxystoreHome(env), GLOBUS_TOKEN_FILE_NAME);
}

function isRecord(value: unknown): value is GlobusTokenRecord {
  if (value === null || typeof value !== 'object') return false;
  const r = value as Record<string, unknown>;
  return (
    typeof r['resourceServer'] === 'string' &&
    typeof r['accessToken'] === 'string' &&
    (typeof r['refreshToken'] === 'string' || r['refreshToken'] === null) &&
    typeof r['expiresAtSeconds'] === 'number' &&
    typeof r['scope'] === 'string' &&
    typeof r['tokenType'] === 'string'
  );
}

function isTokenFile(value: unknown): value is GlobusTokenFile {
  if (value === null || typeof value !== 'object') return false;
  const f = value as Record<string, unknown>;
  const tokens = f['tokens'];
  return (
    f['version'] === 1 &&
    typeof f['clientId'] === 'string' &&
    typeof f['authUrl'] === 'string' &&
    tokens !== null &&
    typeof tokens === 'object' &&
    Object.values(tokens).every(isRecord)
  );
}

/**
 * Reads and writes the Globus token file. The file holds refresh tokens, so
 * it is written owner-only (mode 0600, in a directory made with mode 0700)
 * and atomically (a temp file renamed over the old one), so a reader in
 * another process never sees half a file.
 */
export class GlobusTokenStore {
  /** Absolute path of the token file. */
  readonly path: string;

  constructor(path: string = defaultTokenFile()) {
    this.path = path;
  }

  /**
   * The tokens, or `null` when there is no file.
   *
   * @throws {@link GlobusAuthError} when the file is not a token file.
   */
  async load(): Promise<GlobusTokenFile | null> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw new GlobusAuthError(
        `Cannot read the Globus token file ${this.path}: ` +
          `${(err as Error).message}.`,
        { cause: err, tokenFile: this.path },
      );
    }
    await this.#checkMode();

    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (err) {
      parsed = err;
    }
    if (!isTokenFile(parsed)) {
      throw new GlobusAuthError(
        `The Globus token file ${this.path} is damaged or from another ` +
          `program. Delete it and run \`${GLOBUS_LOGIN_COMMAND}\`.`,
        { tokenFile: this.path },
      );
    }
    return parsed;
  }

  /** Writes the tokens atomically with mode 0600. */
  async save(file: GlobusTokenFile): Promise<void> {
    const dir = dirname(this.path);
    await mkdir(dir, { recursive: true, mode: 0o700 });

    const temp = `${this.path}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
    try {
      await writeFile(temp, `${JSON.stringify(file, null, 2)}\n`, {
        mode: 0o600,
        flag: 'wx',
      });
      await chmod(temp, 0o600);
      await rename(temp, this.path);
    } catch (err) {
      await rm(temp, { force: true });
      throw new GlobusAuthError(
        `Cannot write the Globus token file ${this.path}: ` +
          `${(err as Error).message}. Check that ${dir} is writable.`,
        { cause: err, tokenFile: this.path },
      );
    }
    log('saved tokens for %s to %s', Object.keys(file.tokens).join(', '), this.path);
  }

  /** Deletes the file; returns whether there was one. */
  async remove(): Promise<boolean> {
    try {
      await rm(this.path);
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw err;
    }
  }

  async #checkMode(): Promise<void> {
    if (process.platform === 'win32') return;
    const { mode } = await stat(this.path);
    if ((mode & 0o077) !== 0) {
      warn(
        'PROXYSTORE_GLOBUS_TOKEN_MODE',
        `The Globus token file ${this.path} can be read by other users ` +
          `(mode ${(mode & 0o777).toString(8)}). Run \`chmod 600 ${this.path}\`.`,
      );
    }
  }
}
