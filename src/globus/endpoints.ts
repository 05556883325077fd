import { readFileSync } from 'node:fs';

import { InvalidArgumentError, describeValue } from '../errors.js';
import { currentHost, GlobusEndpoint } from './endpoint.js';
import type { GlobusEndpointObject } from './endpoint.js';
import { GlobusEndpointNotFoundError } from './errors.js';

/**
 * Plain form of a set of endpoints, keyed by collection UUID. It is the
 * format of upstream ProxyStore's `GlobusEndpoints.from_dict()`, so one
 * endpoints file serves Python and TypeScript processes:
 *
 * ```json
 * {
 *   "<collection uuid>": {
 *     "endpoint_path": "/proxystore-cache",
 *     "local_path": "/projects/foo/proxystore-cache",
 *     "host_regex": "polaris-login-\\d+"
 *   }
 * }
 * ```
 *
 * `endpointPath`, `localPath` and `hostPattern` are accepted as spellings
 * of the three fields.
 */
export type GlobusEndpointsObject = Record<string, GlobusEndpointObject>;

/** Minimum number of endpoints: an object must have somewhere to go. */
export const MIN_GLOBUS_ENDPOINTS = 2;

function field(
  uuid: string,
  params: Record<string, unknown>,
  names: readonly string[],
): unknown {
  for (const name of names) {
    if (params[name] !== undefined) return params[name];
  }
  throw InvalidArgumentError.format(
    `endpoints["${uuid}"]`,
    params,
    `missing field ${names[0]}`,
  );
}

/**
 * The collections a Globus store keeps in sync: at least two, with distinct
 * UUIDs. Look one up by UUID with {@link get} and the one of this site with
 * {@link byHost} or {@link local}.
 */
export class GlobusEndpoints implements Iterable<GlobusEndpoint> {
  readonly #byUuid = new Map<string, GlobusEndpoint>();

  /**
   * @throws {@link InvalidArgumentError} when fewer than two endpoints are
   * given or two share a UUID.
   */
  constructor(endpoints: Iterable<GlobusEndpoint>) {
    for (const endpoint of endpoints) {
      if (!(endpoint instanceof GlobusEndpoint)) {
        throw InvalidArgumentError.format(
          'endpoints',
          endpoint,
          'expected GlobusEndpoint instances',
        );
      }
      if (this.#byUuid.has(endpoint.uuid)) {
        throw InvalidArgumentError.format(
          'endpoints',
          endpoint.uuid,
          'two endpoints have this collection UUID; give each collection ' +
            'once (use one directory per collection)',
        );
      }
      this.#byUuid.set(endpoint.uuid, endpoint);
    }

    if (this.#byUuid.size < MIN_GLOBUS_ENDPOINTS) {
      throw InvalidArgumentError.format(
        'endpoints',
        [...this.#byUuid.keys()],
        `a Globus store needs at least ${MIN_GLOBUS_ENDPOINTS} endpoints ` +
          `(got ${this.#byUuid.size}); list every site that reads or writes`,
      );
    }
  }

  /**
   * Builds endpoints from their plain form (see {@link GlobusEndpointsObject}).
   *
   * @throws {@link InvalidArgumentError} when the object is malformed.
   */
  static fromObject(object: unknown): GlobusEndpoints {
    if (object === null || typeof object !== 'object' || Array.isArray(object)) {
      throw InvalidArgumentError.format(
        'endpoints',
        object,
        'expected an object keyed by collection UUID',
      );
    }

    const list: GlobusEndpoint[] = [];
    for (const [uuid, params] of Object.entries(object)) {
      if (params === null || typeof params !== 'object') {
        throw InvalidArgumentError.format(
          `endpoints["${uuid}"]`,
          params,
          'expected an object with endpoint_path, local_path and host_regex',
        );
      }
      const p = params as Record<string, unknown>;
      list.push(
        new GlobusEndpoint({
          uuid,
          endpointPath: field(uuid, p, ['endpoint_path', 'endpointPath']) as string,
          localPath: field(uuid, p, ['local_path', 'localPath']) as string,
          hostPattern: field(uuid, p, ['host_regex', 'hostPattern']) as string,
        }),
      );
    }
    return new GlobusEndpoints(list);
  }

  /**
   * Reads endpoints from a JSON file in the plain form.
   *
   * @throws {@link InvalidArgumentError} when the file cannot be read or
   * parsed, or its content is malformed.
   */
  static fromJsonFile(path: string): GlobusEndpoints {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (err) {
      throw new InvalidArgumentError(
        'path',
        `Cannot read the Globus endpoints file ${describeValue(path)}: ` +
          `${(err as Error).message}. Check the path.`,
        { cause: err },
      );
    }

    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (err) {
      throw new InvalidArgumentError(
        'path',
        `The Globus endpoints file ${describeValue(path)} is not valid ` +
          `JSON: ${(err as Error).message}.`,
        { cause: err },
      );
    }
    return GlobusEndpoints.fromObject(parsed);
  }

  /** Number of endpoints. */
  get size(): number {
    return this.#byUuid.size;
  }

  [Symbol.iterator](): Iterator<GlobusEndpoint> {
    return this.#byUuid.values();
  }

  /** Whether an endpoint has this collection UUID. */
  has(uuid: string): boolean {
    return this.#byUuid.has(uuid);
  }

  /**
   * The endpoint of a collection.
   *
   * @throws {@link GlobusEndpointNotFoundError} when none has that UUID.
   */
  get(uuid: string): GlobusEndpoint {
    const endpoint = this.#byUuid.get(uuid);
    if (endpoint === undefined) {
      throw new GlobusEndpointNotFoundError(
        `No Globus endpoint has collection UUID ${describeValue(uuid)} ` +
          `(known: ${[...this.#byUuid.keys()].join(', ')}).`,
        { uuid },
      );
    }
    return endpoint;
  }

  /**
   * The first endpoint whose host pattern matches the whole of `host`.
   *
   * @throws {@link GlobusEndpointNotFoundError} when none matches.
   */
  byHost(host: string): GlobusEndpoint {
    for (const endpoint of this.#byUuid.values()) {
      if (endpoint.matchesHost(host)) return endpoint;
    }
    const patterns = [...this.#byUuid.values()]
      .map((e) => `${e.uuid}: ${e.hostPattern}`)
      .join('; ');
    throw new GlobusEndpointNotFoundError(
      `No Globus endpoint matches this host ${describeValue(host)} ` +
        `(host patterns: ${patterns}). Fix the host_regex of this site's ` +
        'endpoint, or set PROXYSTORE_GLOBUS_HOSTNAME to a name that matches.',
      { host },
    );
  }

  /** The endpoint of this host (see {@link currentHost}). */
  local(host: string = currentHost()): GlobusEndpoint {
    return this.byHost(host);
  }

  /** The plain form, keyed by UUID; {@link fromObject} rebuilds it. */
  toObject(): GlobusEndpointsObject {
    const out: GlobusEndpointsObject = {};
    for (const endpoint of this.#byUuid.values()) {
      out[endpoint.uuid] = endpoint.toObject();
    }
    return out;
  }
}
