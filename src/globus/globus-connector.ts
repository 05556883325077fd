import { access, mkdir, rm } from 'node:fs/promises';
import { join, posix } from 'node:path';

import type {
  CloseOptions,
  Connector,
  ConnectorConfig,
} from '../connectors/connector.js';
import { readFileFully, writeFileFully } from '../connectors/file-io.js';
import { registerConnectorKind } from '../connectors/kinds.js';
import { InvalidArgumentError } from '../errors.js';
import { logger } from '../utils/debug.js';
import type { JsonObject } from '../utils/json.js';
import { newObjectId } from '../utils/uuid.js';
import { createTransferClient } from './client.js';
import { syncLevelNumber } from './documents.js';
import type { SyncLevel } from './documents.js';
import { currentHost } from './endpoint.js';
import type { GlobusEndpoint } from './endpoint.js';
import type { GlobusEndpoints, GlobusEndpointsObject } from './endpoints.js';
import { GlobusConnectorError, GlobusTaskFailedError } from './errors.js';
import {
  checkKey,
  DEFAULT_GLOBUS_POLLING_INTERVAL_MS,
  DEFAULT_GLOBUS_SYNC_LEVEL,
  DEFAULT_GLOBUS_TIMEOUT_MS,
  positiveMs,
  toEndpoints,
} from './globus-config.js';
import type { GlobusConnectorOptions, GlobusKey } from './globus-config.js';
import { resolveAuthUrl, resolveTransferUrl } from './services.js';
import { TaskTracker } from './task-tracker.js';
import type { GlobusTransferClient } from './transfer-client.js';

export {
  DEFAULT_GLOBUS_POLLING_INTERVAL_MS,
  DEFAULT_GLOBUS_SYNC_LEVEL,
  DEFAULT_GLOBUS_TIMEOUT_MS,
  type GlobusConnectorOptions,
  type GlobusKey,
};

const log = logger('connector:globus');

function isMissingFile(err: unknown): boolean {
  return (err as NodeJS.ErrnoException).code === 'ENOENT';
}

/**
 * Moves objects between sites with Globus Transfer. `put` writes the object
 * as a file in this site's directory and submits one transfer to every other
 * endpoint; a reader at any site waits for those tasks, then reads its own
 * copy of the file.
 *
 * @remarks
 * - Requires credentials: run `proxystore-globus-auth login` once per host
 *   (or set a client identity, see `docs/globus.md`).
 * - Each put costs one Transfer task per other endpoint, and a first read
 *   waits seconds for it: this store suits large objects between sites.
 * - `close({ clear: true })` (or `clear: true` in the options) deletes
 *   every endpoint's directory: give the store directories it alone uses.
 *   The default keeps them, unlike upstream, because any process that
 *   rebuilt the store from a proxy and closes it would otherwise delete
 *   every site's objects.
 * - No `getSync`: waiting for a task needs the event loop, so implicit proxy
 *   resolution goes through the bridge.
 */
export class GlobusConnector implements Connector<GlobusKey> {
  readonly kind = 'globus';
  readonly endpoints: GlobusEndpoints;
  /** This site's endpoint. */
  readonly localEndpoint: GlobusEndpoint;
  readonly #others: GlobusEndpoint[];
  readonly #clear: boolean;
  readonly #pollingInterval: number;
  readonly #timeout: number;
  readonly #syncLevel: SyncLevel;
  readonly #transferUrl: string | undefined;
  readonly #authUrl: string | undefined;
  readonly #givenClient: GlobusTransferClient | undefined;
  #client: GlobusTransferClient | undefined;
  #tracker: TaskTracker | undefined;
  #closing: Promise<void> | undefined;

  /**
   * @throws {@link InvalidArgumentError} for bad options or endpoints.
   * @throws {@link GlobusEndpointNotFoundError} when no endpoint matches
   * this host.
   */
  constructor(options: GlobusConnectorOptions) {
    if (options === null || typeof options !== 'object') {
      throw InvalidArgumentError.format('options', options, 'expected an object');
    }
    this.endpoints = toEndpoints(options.endpoints);
    this.#clear = options.clear ?? false;
    this.#pollingInterval = positiveMs(
      'pollingInterval',
      options.pollingInterval,
      DEFAULT_GLOBUS_POLLING_INTERVAL_MS,
    );
    this.#timeout = positiveMs('timeout', options.timeout, DEFAULT_GLOBUS_TIMEOUT_MS);
    this.#syncLevel = options.syncLevel ?? DEFAULT_GLOBUS_SYNC_LEVEL;
    syncLevelNumber(this.#syncLevel);
    if (typeof this.#clear !== 'boolean') {
      throw InvalidArgumentError.format('clear', this.#clear, 'expected a boolean');
    }

    // Validated now (InvalidArgumentError); the client is made on first use.
    if (options.transferUrl !== undefined) resolveTransferUrl(options.transferUrl);
    if (options.authUrl !== undefined) resolveAuthUrl(options.authUrl);
    this.#transferUrl = options.transferUrl;
    this.#authUrl = options.authUrl;
    this.#givenClient = options.transferClient;

    this.localEndpoint = this.endpoints.local(options.hostname ?? currentHost());
    this.#others = [...this.endpoints].filter((e) => e !== this.localEndpoint);
  }

  /** Rebuilds a connector from `config().options`. */
  static fromConfig(options: JsonObject): GlobusConnector {
    const str = (name: string): string | undefined => {
      const v = options[name];
      if (v === undefined || v === null) return undefined;
      if (typeof v !== 'string') {
        throw InvalidArgumentError.format(name, v, 'expected a string');
      }
      return v;
    };
    return new GlobusConnector({
      endpoints: options['endpoints'] as GlobusEndpointsObject,
      clear: options['clear'] as boolean | undefined,
      pollingInterval: options['pollingInterval'] as number | undefined,
      timeout: options['timeout'] as number | undefined,
      syncLevel: options['syncLevel'] as SyncLevel | undefined,
      transferUrl: str('transferUrl'),
      authUrl: str('authUrl'),
    });
  }

  config(): ConnectorConfig {
    const options: JsonObject = {
      endpoints: this.endpoints.toObject(),
      clear: this.#clear,
      pollingInterval: this.#pollingInterval,
      timeout: this.#timeout,
      syncLevel: this.#syncLevel,
    };
    if (this.#transferUrl !== undefined) options['transferUrl'] = this.#transferUrl;
    if (this.#authUrl !== undefined) options['authUrl'] = this.#authUrl;
    return { kind: this.kind, options };
  }

  async put(data: Uint8Array): Promise<GlobusKey> {
    const [key] = await this.putBatch([data]);
    if (key === undefined) throw new Error('unreachable: putBatch lost a key');
    return key;
  }

  /** Writes every file, then submits one transfer per other endpoint. */
  async putBatch(data: readonly Uint8Array[]): Promise<GlobusKey[]> {
    if (data.length === 0) return [];
    const filenames = data.map(() => newObjectId());

    let taskIds: string[];
    try {
      await this.#writeFiles(filenames, data);
      taskIds = await this.#submitTransfers(filenames);
    } catch (err) {
      // A failed put leaves no file that a later get could read; a cleanup
      // failure must not hide the error that made the put fail.
      await Promise.allSettled(
        filenames.map((f) => rm(this.#localFile(f), { force: true })),
      );
      throw err;
    }

    log('put %d object(s) %s; tasks %s', filenames.length, filenames[0], taskIds);
    return filenames.map((filename) => ({ filename, taskIds: [...taskIds] }));
  }

  /**
   * Waits for the key's tasks, then reads this site's copy; `null` when the
   * file is gone (evicted) or the tasks are unknown to Transfer.
   *
   * @throws {@link GlobusTaskFailedError} when a copy failed.
   * @throws {@link GlobusTaskTimeoutError} when a copy takes too long.
   */
  async get(key: GlobusKey): Promise<Uint8Array | null> {
    checkKey(key);
    if (!(await this.#tasks().waitAll(key.taskIds))) return null;

    const path = this.#localFile(key.filename);
    try {
      return await readFileFully(path);
    } catch (err) {
      if (isMissingFile(err)) return null;
      throw this.#fileError('read', path, err);
    }
  }

  async getBatch(keys: readonly GlobusKey[]): Promise<(Uint8Array | null)[]> {
    return Promise.all(keys.map((key) => this.get(key)));
  }

  /** Waits for the key's tasks, then checks for this site's copy. */
  async exists(key: GlobusKey): Promise<boolean> {
    checkKey(key);
    if (!(await this.#tasks().waitAll(key.taskIds))) return false;

    const path = this.#localFile(key.filename);
    try {
      await access(path);
      return true;
    } catch (err) {
      if (isMissingFile(err)) return false;
      throw this.#fileError('check', path, err);
    }
  }

  /**
   * Removes this site's copy and submits a deletion on every other
   * endpoint. It first waits for the key's tasks, so that no copy lands
   * after the deletion; a key whose copy failed is still evicted.
   */
  async evict(key: GlobusKey): Promise<void> {
    checkKey(key);
    try {
      if (!(await this.#tasks().waitAll(key.taskIds))) return;
    } catch (err) {
      if (!(err instanceof GlobusTaskFailedError)) throw err;
    }

    const path = this.#localFile(key.filename);
    try {
      await rm(path);
    } catch (err) {
      if (isMissingFile(err)) return;
      throw this.#fileError('remove', path, err);
    }

    const results = await Promise.all(
      this.#others.map((endpoint) =>
        this.#transfer().submitDelete({
          endpoint: endpoint.uuid,
          paths: [posix.join(endpoint.endpointPath, key.filename)],
          label: 'ProxyStore evict',
        }),
      ),
    );
    const deletes = results.map((r) => r.task_id);
    log('evict %s; delete tasks %s', key.filename, deletes);
  }

  /**
   * With `clear` (the constructor's value by default), deletes the store's
   * directory on every endpoint and waits for the deletions. Idempotent.
   */
  close(options: CloseOptions = {}): Promise<void> {
    this.#closing ??= this.#close(options.clear ?? this.#clear);
    return this.#closing;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  async #close(clear: boolean): Promise<void> {
    if (!clear) return;

    const outcomes = await Promise.allSettled(
      [...this.endpoints].map(async (endpoint) => {
        const result = await this.#transfer().submitDelete({
          endpoint: endpoint.uuid,
          paths: [endpoint.endpointPath],
          recursive: true,
          label: 'ProxyStore close',
        });
        const task = await this.#transfer().waitForTask(result.task_id, {
          timeoutMs: this.#timeout,
          pollingIntervalMs: this.#pollingInterval,
        });
        if (task.status === 'FAILED') {
          throw new GlobusTaskFailedError(task.task_id, task.fatal_error);
        }
      }),
    );
    log('closed; cleared %d endpoint(s)', this.endpoints.size);

    const failed = outcomes.find((o) => o.status === 'rejected');
    if (failed !== undefined) throw failed.reason;
  }

  async #submitTransfers(filenames: readonly string[]): Promise<string[]> {
    const source = this.localEndpoint;
    const results = await Promise.all(
      this.#others.map((destination) =>
        this.#transfer().submitTransfer({
          sourceEndpoint: source.uuid,
          destinationEndpoint: destination.uuid,
          items: filenames.map((f) => ({
            sourcePath: posix.join(source.endpointPath, f),
            destinationPath: posix.join(destination.endpointPath, f),
          })),
          syncLevel: this.#syncLevel,
          label: `ProxyStore put (${filenames.length} object(s))`,
        }),
      ),
    );
    return results.map((r) => r.task_id);
  }

  async #writeFiles(
    filenames: readonly string[],
    data: readonly Uint8Array[],
  ): Promise<void> {
    const dir = this.localEndpoint.localDir;
    try {
      await mkdir(dir, { recursive: true });
    } catch (err) {
      throw this.#fileError('create', dir, err);
    }

    await Promise.all(
      data.map(async (bytes, i) => {
        const path = this.#localFile(filenames[i] as string);
        try {
          await writeFileFully(path, bytes);
        } catch (err) {
          throw this.#fileError('write', path, err);
        }
      }),
    );
  }

  #fileError(verb: string, path: string, cause: unknown): GlobusConnectorError {
    const reason = (cause as Error).message;
    return new GlobusConnectorError(
      `Cannot ${verb} ${path} (${reason}). It is in the local_path of this ` +
        `site's endpoint ${this.localEndpoint.uuid}; check that the ` +
        'directory exists on this host and that you may write to it.',
      { cause },
    );
  }

  #localFile(filename: string): string {
    return join(this.localEndpoint.localDir, filename);
  }

  #transfer(): GlobusTransferClient {
    this.#client ??=
      this.#givenClient ??
      createTransferClient({
        transferUrl: this.#transferUrl,
        authUrl: this.#authUrl,
      });
    return this.#client;
  }

  #tasks(): TaskTracker {
    this.#tracker ??= new TaskTracker(this.#transfer(), {
      timeoutMs: this.#timeout,
      pollingIntervalMs: this.#pollingInterval,
    });
    return this.#tracker;
  }
}

/** Builds a {@link GlobusConnector} from its config options. */
export function fromConfig(options: JsonObject): GlobusConnector {
  return GlobusConnector.fromConfig(options);
}

registerConnectorKind('globus', fromConfig);
