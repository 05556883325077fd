import { homedir, hostname } from 'node:os';
import { join } from 'node:path';

import { InvalidArgumentError } from '../errors.js';

/** Env var that overrides `os.hostname()` when endpoints are matched by host. */
export const GLOBUS_HOSTNAME_ENV = 'PROXYSTORE_GLOBUS_HOSTNAME';

/**
 * The host name used to find "this" site's endpoint: the
 * `PROXYSTORE_GLOBUS_HOSTNAME` env var when set, else `os.hostname()`.
 */
export function currentHost(env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env[GLOBUS_HOSTNAME_ENV];
  return fromEnv !== undefined && fromEnv !== '' ? fromEnv : hostname();
}

/** Plain form of one endpoint, as in an endpoints JSON file. */
export type GlobusEndpointObject = {
  /** Directory on the collection (the path Globus sees). */
  endpoint_path: string;
  /** The same directory as this host sees it (`~` is expanded). */
  local_path: string;
  /** Pattern that must match the whole host name of the site. */
  host_regex: string;
};

/** Options of {@link GlobusEndpoint}. */
export interface GlobusEndpointOptions {
  /** UUID of the Globus collection. */
  uuid: string;
  /** Directory on the collection used by the store (the path Globus sees). */
  endpointPath: string;
  /** The same directory as seen on the host; a leading `~` is expanded. */
  localPath: string;
  /**
   * Matches the whole host name of the machines at this site, for example
   * `'login\\d+\\.polaris\\.alcf\\.anl\\.gov'`. A `RegExp` may not have
   * flags, since only its source is kept in the store config.
   */
  hostPattern: string | RegExp;
}

function requireString(name: string, value: unknown): string {
  if (typeof value !== 'string' || value === '') {
    throw InvalidArgumentError.format(name, value, 'expected a non-empty string');
  }
  return value;
}

function compileHostPattern(pattern: unknown): RegExp {
  if (pattern instanceof RegExp) {
    if (pattern.flags.replace(/[gy]/g, '') !== '') {
      throw InvalidArgumentError.format(
        'hostPattern',
        String(pattern),
        'flags cannot travel in the store config; write the pattern without ' +
          'flags (for example [Hh]ost instead of /host/i)',
      );
    }
    return new RegExp(`^(?:${pattern.source})$`);
  }
  const source = requireString('hostPattern', pattern);
  try {
    return new RegExp(`^(?:${source})$`);
  } catch (err) {
    throw InvalidArgumentError.format(
      'hostPattern',
      source,
      `not a valid regular expression (${(err as Error).message})`,
    );
  }
}

/** Expands a leading `~` to the user's home directory. */
export function expandHome(path: string): string {
  if (path === '~') return homedir();
  if (path.startsWith('~/')) return join(homedir(), path.slice(2));
  return path;
}

/**
 * One directory on one Globus collection, and how a host of that site sees
 * it. The store writes objects into `localPath` and Globus copies them from
 * `endpointPath` on this collection to the same path on the others.
 *
 * @remarks
 * A collection may mount storage elsewhere than the host does: on a project
 * file system `endpointPath` may be `/foo/cache` while `localPath` is
 * `/projects/foo/cache`. Both must name the same physical directory, and it
 * must belong to ProxyStore alone: `close()` deletes it by default.
 */
export class GlobusEndpoint {
  /** UUID of the Globus collection. */
  readonly uuid: string;
  /** Directory on the collection. */
  readonly endpointPath: string;
  /** The same directory on the host, as given (see {@link localDir}). */
  readonly localPath: string;
  /** The host pattern's source, as given. */
  readonly hostPattern: string;
  readonly #hostRegex: RegExp;

  constructor(options: GlobusEndpointOptions) {
    this.uuid = requireString('uuid', options.uuid);
    this.endpointPath = requireString('endpointPath', options.endpointPath);
    this.localPath = requireString('localPath', options.localPath);
    this.#hostRegex = compileHostPattern(options.hostPattern);
    this.hostPattern =
      options.hostPattern instanceof RegExp
        ? options.hostPattern.source
        : options.hostPattern;
  }

  /** `localPath` with `~` expanded. */
  get localDir(): string {
    return expandHome(this.localPath);
  }

  /** Whether the host pattern matches the whole of `host`. */
  matchesHost(host: string): boolean {
    return this.#hostRegex.test(host);
  }

  /** Whether all four fields are equal. */
  equals(other: GlobusEndpoint): boolean {
    return (
      this.uuid === other.uuid &&
      this.endpointPath === other.endpointPath &&
      this.localPath === other.localPath &&
      this.hostPattern === other.hostPattern
    );
  }

  /** The plain form used in endpoints files (without the uuid). */
  toObject(): GlobusEndpointObject {
    return {
      endpoint_path: this.endpointPath,
      local_path: this.localPath,
      host_regex: this.hostPattern,
    };
  }
}
