import type {
  CloseOptions,
  ConnectorConfig,
  DeferrableConnector,
} from '../connectors/connector.js';
import { EndpointConnectorError, InvalidArgumentError } from '../errors.js';
import { logger } from '../utils/debug.js';
import { proxystoreHome } from '../utils/home.js';
import type { JsonObject } from '../utils/json.js';
import { isObjectId, newObjectId } from '../utils/uuid.js';
import { EndpointClient } from './client.js';
import { findLocalEndpoint, type LocalEndpoint } from './discovery.js';
import { settledWithin } from '../utils/promises.js';

const log = logger('connector:endpoint');

/** Longest wait of close() for requests in flight before it drops them. */
const CLOSE_GRACE_MS = 10_000;

/**
 * Key of an object stored through an endpoint: the object's id and the id of
 * the endpoint that owns it. Any endpoint that peers with the owner can
 * serve the key; it forwards the request to the owner.
 */
export type EndpointKey = {
  readonly objectId: string;
  readonly endpointId: string;
};

/** Options of {@link EndpointConnector}. */
export interface EndpointConnectorOptions {
  /**
   * Ids of the endpoints this connector may use, in order of preference; the
   * first that is configured and running on this machine becomes the local
   * endpoint. List the endpoint of every site a proxy may travel to.
   */
  endpoints: readonly string[];
  /**
   * ProxyStore home holding the endpoint configurations.
   * @defaultValue `proxystoreHome()` of the process using the connector
   */
  proxystoreDir?: string | undefined;
  /** Socket inactivity timeout per request. @defaultValue 5 minutes */
  timeoutMs?: number | undefined;
}

interface Local {
  endpoint: LocalEndpoint;
  client: EndpointClient;
}

/**
 * Stores bytes in the local ProxyStore endpoint (a separate process started
 * with `proxystore-endpoint start`), over HTTP on keep-alive connections.
 * The endpoint is found on first use from the configured ids.
 *
 * @remarks
 * There is no `getSync`: a proxy of this connector that resolves implicitly
 * is served by the bridge worker, which is safe because the endpoint runs in
 * its own process. `close()` never deletes objects (they belong to the
 * endpoint); `clear` is ignored.
 *
 * @example
 * ```ts
 * const connector = new EndpointConnector({ endpoints: [uuidA, uuidB] });
 * const key = await connector.put(new Uint8Array([1, 2, 3]));
 * ```
 */
export class EndpointConnector implements DeferrableConnector<EndpointKey> {
  readonly kind = 'endpoint';
  readonly #endpoints: readonly string[];
  readonly #proxystoreDir: string | undefined;
  readonly #timeoutMs: number | undefined;
  #local: Promise<Local> | undefined;
  #closed = false;
  /** Requests started and not yet settled; close() waits for them. */
  readonly #inFlight = new Set<Promise<unknown>>();

  constructor(options: EndpointConnectorOptions) {
    const endpoints = options?.endpoints;
    if (!Array.isArray(endpoints) || endpoints.length === 0) {
      throw InvalidArgumentError.format(
        'endpoints',
        endpoints,
        'list at least one endpoint id (see proxystore-endpoint list)',
      );
    }
    const bad = endpoints.find((id) => !isObjectId(id));
    if (bad !== undefined) {
      throw InvalidArgumentError.format(
        'endpoints',
        bad,
        'an endpoint id is a lowercase UUID (see proxystore-endpoint list)',
      );
    }

    const dir = options.proxystoreDir;
    if (dir !== undefined && (typeof dir !== 'string' || dir === '')) {
      throw InvalidArgumentError.format(
        'proxystoreDir',
        dir,
        'give the path of a ProxyStore home directory, or leave it out',
      );
    }
    const timeoutMs = options.timeoutMs;
    const validTimeout =
      typeof timeoutMs === 'number' && Number.isFinite(timeoutMs) && timeoutMs > 0;
    if (timeoutMs !== undefined && !validTimeout) {
      throw InvalidArgumentError.format(
        'timeoutMs',
        timeoutMs,
        'use a positive number of milliseconds, or leave it out',
      );
    }

    this.#endpoints = Object.freeze([...(endpoints as string[])]);
    this.#proxystoreDir = options.proxystoreDir;
    this.#timeoutMs = options.timeoutMs;
  }

  /** Rebuilds a connector from `config().options`. */
  static fromConfig(options: JsonObject): EndpointConnector {
    return new EndpointConnector({
      endpoints: options['endpoints'] as string[],
      proxystoreDir: options['proxystoreDir'] as string | undefined,
      timeoutMs: options['timeoutMs'] as number | undefined,
    });
  }

  /** Id of the local endpoint (finds it on first call). */
  async endpointId(): Promise<string> {
    return (await this.#connect()).endpoint.uuid;
  }

  /**
   * Runs one request on the local endpoint's client; close() waits for it.
   * When the endpoint refuses the connection (it stopped, or restarted on
   * another port), the endpoint is looked up again, and the request is
   * sent once more if it now runs at another address.
   */
  #request<T>(send: (client: EndpointClient) => Promise<T>): Promise<T> {
    return this.#track(() => this.#send(send));
  }

  async #send<T>(send: (client: EndpointClient) => Promise<T>): Promise<T> {
    const found = this.#localEndpoint();
    const local = await found;
    try {
      return await send(local.client);
    } catch (err) {
      if (!isRefused(err) || this.#closed) throw err;
      if (this.#local === found) {
        this.#local = undefined;
        local.client.close();
      }
      const fresh = await this.#localEndpoint().catch(() => undefined);
      if (fresh === undefined || fresh.client.address === local.client.address) {
        throw err;
      }
      log('endpoint %s moved to %s', fresh.endpoint.uuid, fresh.client.address);
      return send(fresh.client);
    }
  }

  /** Runs an operation that close() waits for; fails at once when closed. */
  #track<T>(operation: () => Promise<T>): Promise<T> {
    if (this.#closed) return Promise.reject(closedError());

    const running = operation();
    this.#inFlight.add(running);
    const forget = (): void => {
      this.#inFlight.delete(running);
    };
    running.then(forget, forget);
    return running;
  }

  put(data: Uint8Array): Promise<EndpointKey> {
    return this.#track(async () => {
      const { endpoint } = await this.#localEndpoint();
      const key = { objectId: newObjectId(), endpointId: endpoint.uuid };
      await this.#send((client) => client.set(key.objectId, data, key.endpointId));
      return key;
    });
  }

  async putBatch(data: readonly Uint8Array[]): Promise<EndpointKey[]> {
    return Promise.all(data.map((d) => this.put(d)));
  }

  async get(key: EndpointKey): Promise<Uint8Array | null> {
    checkKey(key);
    return this.#request((client) => client.get(key.objectId, key.endpointId));
  }

  async getBatch(keys: readonly EndpointKey[]): Promise<(Uint8Array | null)[]> {
    return Promise.all(keys.map((k) => this.get(k)));
  }

  async exists(key: EndpointKey): Promise<boolean> {
    checkKey(key);
    return this.#request((client) => client.exists(key.objectId, key.endpointId));
  }

  async evict(key: EndpointKey): Promise<void> {
    checkKey(key);
    await this.#request((client) => client.evict(key.objectId, key.endpointId));
  }

  /** A key owned by the local endpoint, with nothing stored under it yet. */
  async newKey(): Promise<EndpointKey> {
    const { endpoint } = await this.#connect();
    return { objectId: newObjectId(), endpointId: endpoint.uuid };
  }

  async set(key: EndpointKey, data: Uint8Array): Promise<void> {
    checkKey(key);
    await this.#request((client) => client.set(key.objectId, data, key.endpointId));
  }

  config(): ConnectorConfig {
    const options: JsonObject = { endpoints: [...this.#endpoints] };
    if (this.#proxystoreDir !== undefined) {
      options['proxystoreDir'] = this.#proxystoreDir;
    }
    if (this.#timeoutMs !== undefined) options['timeoutMs'] = this.#timeoutMs;
    return { kind: this.kind, options };
  }

  /** Closes pooled connections; objects stay in the endpoint. Idempotent. */
  async close(options?: CloseOptions): Promise<void> {
    void options;
    if (this.#closed) return;
    this.#closed = true;

    // Requests already sent finish first, for at most CLOSE_GRACE_MS.
    await settledWithin([...this.#inFlight], CLOSE_GRACE_MS);
    const local = await this.#local?.catch(() => undefined);
    local?.client.close();
  }

  /** Finds the local endpoint once; a failed search is retried next time. */
  #connect(): Promise<Local> {
    if (this.#closed) return Promise.reject(closedError());
    return this.#localEndpoint();
  }

  #localEndpoint(): Promise<Local> {
    this.#local ??= this.#find();
    return this.#local;
  }

  async #find(): Promise<Local> {
    const home = this.#proxystoreDir ?? proxystoreHome();
    try {
      const endpoint = await findLocalEndpoint(this.#endpoints, home);
      log('using endpoint %s (%s) at %s:%d', endpoint.name, endpoint.uuid,
        endpoint.host, endpoint.port);
      const client = new EndpointClient({
        host: endpoint.host,
        port: endpoint.port,
        token: endpoint.token,
        timeoutMs: this.#timeoutMs,
      });
      return { endpoint, client };
    } catch (err) {
      this.#local = undefined;
      throw err;
    }
  }
}

function closedError(): EndpointConnectorError {
  return new EndpointConnectorError(
    'This EndpointConnector is closed; make a new one to keep using the endpoint.',
  );
}

/** Whether a request failed because nothing listens at the address. */
function isRefused(err: unknown): boolean {
  if (!(err instanceof EndpointConnectorError)) return false;
  const cause = err.cause as NodeJS.ErrnoException | undefined;
  return cause?.code === 'ECONNREFUSED';
}

function checkKey(key: EndpointKey): void {
  const ok =
    key !== null &&
    typeof key === 'object' &&
    typeof key.objectId === 'string' &&
    key.objectId !== '' &&
    isObjectId(key.endpointId);
  if (!ok) {
    throw InvalidArgumentError.format(
      'key',
      key,
      'an endpoint key is { objectId, endpointId } with the endpoint\'s UUID',
    );
  }
}
