import type {
  CloseOptions,
  ConnectorConfig,
  DeferrableConnector,
} from '../connectors/connector.js';
import { InvalidArgumentError, RedisConnectorError } from '../errors.js';
import { logger } from '../utils/debug.js';
import type { JsonObject } from '../utils/json.js';
import { newObjectId } from '../utils/uuid.js';
import { groupBySlot } from './key-slot.js';
import {
  type RedisClient,
  closeRedisClient,
  createRedisClient,
  setClientRef,
  isClientEnded,
} from './redis-client.js';
import {
  type RedisConnectorOptions,
  type ResolvedRedisOptions,
  optionsFromJson,
  optionsToJson,
  resolveRedisOptions,
} from './redis-config.js';
import { closedError, toRedisConnectorError } from './redis-errors.js';
import { settledWithin } from '../utils/promises.js';

const log = logger('connector:redis');

/** Key of a {@link RedisConnector}: the object id (a UUID v4). */
export interface RedisKey {
  readonly id: string;
  readonly [field: string]: string;
}

/** Keys per DEL when `close({ clear: true })` removes what was written. */
const DELETE_CHUNK = 1_000;

/** Longest wait of close() for requests in flight before it quits. */
const CLOSE_GRACE_MS = 10_000;

/**
 * Stores bytes in Redis (a server or a Redis Cluster) through ioredis.
 *
 * Objects live under `keyPrefix + id`; with the default empty prefix the key
 * name is the bare UUID, as in Python ProxyStore, so both languages read each
 * other's objects. Batches take one MSET/MGET (on a cluster, one per hash slot,
 * pipelined per node). Errors are {@link RedisConnectorError}s naming the server
 * and the Redis reply; a dead server fails commands after a few bounded
 * reconnects instead of queueing them forever.
 *
 * @remarks
 * `config()` carries a `password` option (if given), because a consumer in
 * another process needs it to rebuild the connector; use `passwordEnv` so
 * that only the name of an environment variable travels, or treat proxies and
 * references of a password-protected store as secrets.
 * `close({ clear: true })` deletes only the keys this instance wrote (and has
 * not evicted), never the whole database.
 */
export class RedisConnector implements DeferrableConnector<RedisKey> {
  readonly kind = 'redis';
  readonly #config: ConnectorConfig;
  readonly #resolved: ResolvedRedisOptions;
  readonly #address: string;
  // TODO(redis): one entry per live key this connector wrote, so that
  // close({ clear }) never needs FLUSHDB; a producer that writes millions of
  // objects without evicting them holds ~100 B per key here.
  readonly #written = new Set<string>();
  #client: RedisClient | undefined;
  #creating: Promise<RedisClient> | undefined;
  #lastConnectionError: Error | undefined;
  #maxBulkLength: Promise<number> | undefined;
  #closing: Promise<void> | undefined;
  #unrefWhenIdle = false;
  #running = 0;
  /** Operations started and not yet settled; close() waits for them. */
  readonly #inFlight = new Set<Promise<unknown>>();

  constructor(options: RedisConnectorOptions = {}) {
    this.#resolved = resolveRedisOptions(options);
    this.#config = deepFreeze({ kind: this.kind, options: optionsToJson(options) });

    const r = this.#resolved;
    this.#address =
      r.nodes === undefined
        ? `${r.host}:${r.port}`
        : r.nodes.map((n) => `${n.host}:${n.port}`).join(',');
  }

  get #isCluster(): boolean {
    return this.#resolved.nodes !== undefined;
  }

  /** Rebuilds a connector from `config().options` (JSON from anywhere). */
  static fromConfig(options: JsonObject): RedisConnector {
    const connector = new RedisConnector(optionsFromJson(options));
    // Rebuilt for a proxy (a consumer, the bridge worker): nobody will close
    // it, so its idle connection must not keep the process alive.
    connector.#unrefWhenIdle = true;
    return connector;
  }

  /** The server as `host:port` (cluster: the seed nodes, comma-separated). */
  get address(): string {
    return this.#address;
  }

  /** The Redis key name of an object key. */
  keyName(key: RedisKey): string {
    return this.#resolved.keyPrefix + idOf(key);
  }

  /** The options as given (JSON), frozen; the same object on every call. */
  config(): ConnectorConfig {
    return this.#config;
  }

  async put(data: Uint8Array): Promise<RedisKey> {
    const [key] = await this.putBatch([data]);
    return key as RedisKey;
  }

  putBatch(data: readonly Uint8Array[]): Promise<RedisKey[]> {
    return this.#track('MSET', async () => {
      if (data.length === 0) return [];

      const keys = data.map(() => ({ id: newObjectId() }));
      await this.#write(keys, data);
      return keys;
    });
  }

  async newKey(): Promise<RedisKey> {
    return { id: newObjectId() };
  }

  set(key: RedisKey, data: Uint8Array): Promise<void> {
    return this.#track('SET', () => this.#write([key], [data]));
  }

  get(key: RedisKey): Promise<Uint8Array | null> {
    return this.#track('GET', async () => {
      const name = this.keyName(key);
      const started = performance.now();

      const client = await this.#connect('GET');
      const value = await this.#run('GET', name, () => client.getBuffer(name));
      const found = value === null ? 'miss' : 'hit';
      log('GET %s %s in %d ms', name, found, elapsed(started));
      return value;
    });
  }

  getBatch(keys: readonly RedisKey[]): Promise<(Uint8Array | null)[]> {
    return this.#track('MGET', () => this.#getBatch(keys));
  }

  async #getBatch(keys: readonly RedisKey[]): Promise<(Uint8Array | null)[]> {
    if (keys.length === 0) return [];

    const names = keys.map((k) => this.keyName(k));
    const what = `${names.length} keys`;
    const client = await this.#connect('MGET');

    if (!this.#isCluster) {
      return this.#run('MGET', what, () => client.mgetBuffer(...names));
    }

    const values = new Array<Buffer | null>(names.length).fill(null);
    const fetchGroup = async (group: number[]): Promise<void> => {
      const part = await client.mgetBuffer(...group.map((i) => names[i] as string));
      group.forEach((index, j) => {
        values[index] = part[j] ?? null;
      });
    };

    await this.#run('MGET', what, () => Promise.all(groupBySlot(names).map(fetchGroup)));
    return values;
  }

  exists(key: RedisKey): Promise<boolean> {
    return this.#track('EXISTS', async () => {
      const name = this.keyName(key);
      const client = await this.#connect('EXISTS');
      const count = await this.#run('EXISTS', name, () => client.exists(name));
      return count > 0;
    });
  }

  evict(key: RedisKey): Promise<void> {
    return this.#track('DEL', async () => {
      const name = this.keyName(key);
      const client = await this.#connect('DEL');
      await this.#run('DEL', name, () => client.del(name));
      this.#written.delete(name);
      log('DEL %s', name);
    });
  }

  /**
   * Closes the connection. With `clear` (default: the constructor's `clear`,
   * false) it first deletes the keys this connector wrote. Idempotent.
   */
  close(options: CloseOptions = {}): Promise<void> {
    this.#closing ??= this.#close(options.clear ?? this.#resolved.clear);
    return this.#closing;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  async #close(clear: boolean): Promise<void> {
    // Requests started before close() finish first (for at most
    // CLOSE_GRACE_MS), so that QUIT does not cut them off and clear also
    // removes what they wrote.
    await settledWithin([...this.#inFlight], CLOSE_GRACE_MS);

    const client = this.#client ?? (await this.#creating?.catch(() => undefined));
    if (client === undefined) return;

    try {
      if (clear && this.#written.size > 0) await this.#deleteWritten(client);
    } finally {
      this.#client = undefined;
      await closeRedisClient(client);
    }
  }

  async #deleteWritten(client: RedisClient): Promise<void> {
    const names = [...this.#written];
    const groups = this.#isCluster ? slotGroups(names) : chunk(names, DELETE_CHUNK);

    await this.#run('DEL', `${names.length} keys`, () =>
      Promise.all(groups.map((group) => client.del(...group))),
    );
    this.#written.clear();
    log('close: deleted %d keys written by this connector', names.length);
  }

  /** Writes values under keys all-or-nothing (as far as the server allows). */
  async #write(
    keys: readonly RedisKey[],
    data: readonly Uint8Array[],
  ): Promise<void> {
    const names = keys.map((k) => this.keyName(k));
    const values = data.map(toBuffer);
    const command = names.length === 1 ? 'SET' : 'MSET';
    const what = names.length === 1 ? (names[0] as string) : `${names.length} keys`;
    const started = performance.now();

    const client = await this.#connect(command);
    await this.#checkSizes(client, values, command, what);
    try {
      await this.#run(command, what, () => this.#send(client, names, values));
    } catch (error) {
      await this.#undo(client, names);
      throw error;
    }

    for (const name of names) this.#written.add(name);
    const bytes = totalBytes(values);
    log('%s %s (%d bytes) in %d ms', command, what, bytes, elapsed(started));
  }

  async #send(
    client: RedisClient,
    names: string[],
    values: Buffer[],
  ): Promise<void> {
    if (names.length === 1) {
      await client.set(names[0] as string, values[0] as Buffer);
      return;
    }

    const groups = this.#isCluster ? groupBySlot(names) : [names.map((_, i) => i)];
    const pairs = (group: number[]): (string | Buffer)[] =>
      group.flatMap((i) => [names[i] as string, values[i] as Buffer]);

    await Promise.all(groups.map((group) => client.mset(...pairs(group))));
  }

  /** After a failed write, removes whatever part of it may have landed. */
  async #undo(client: RedisClient, names: string[]): Promise<void> {
    try {
      const groups = this.#isCluster ? slotGroups(names) : [names];
      await Promise.all(groups.map((group) => client.del(...group)));
    } catch (error) {
      // TODO(redis): a server that stays unreachable keeps any part of a
      // cluster batch that landed before the failure; nothing else can undo it.
      log('could not undo a failed write of %d keys: %s', names.length, String(error));
    }
  }

  /** Rejects values above the server's proto-max-bulk-len before sending them. */
  async #checkSizes(
    client: RedisClient,
    values: readonly Buffer[],
    command: string,
    what: string,
  ): Promise<void> {
    this.#maxBulkLength ??= readMaxBulkLength(client);
    const limit = await this.#maxBulkLength;

    const largest = values.reduce((max, v) => Math.max(max, v.byteLength), 0);
    if (largest <= limit) return;
    throw new RedisConnectorError(
      this.#address,
      `Redis ${command} of ${what} at ${this.#address} was not sent: ` +
        `a value of ${largest} bytes is above the server's ` +
        `proto-max-bulk-len (${limit} bytes). Raise proto-max-bulk-len ` +
        'on the server or store smaller objects.',
      { command },
    );
  }

  /**
   * Runs one public operation, remembered until it settles so that close()
   * can wait for it. Fails at once (as closed) once close() has begun.
   */
  #track<T>(command: string, operation: () => Promise<T>): Promise<T> {
    if (this.#closing !== undefined) {
      return Promise.reject(closedError(this.#address, command));
    }

    const running = operation();
    this.#inFlight.add(running);
    const forget = (): void => {
      this.#inFlight.delete(running);
    };
    running.then(forget, forget);
    return running;
  }

  /** The client: returned at once while it lives, else a new one. */
  #connect(command: string): RedisClient | Promise<RedisClient> {
    if (this.#closing !== undefined) throw closedError(this.#address, command);

    const ready = this.#client;
    if (ready !== undefined && !isClientEnded(ready)) return ready;

    this.#creating ??= this.#create();
    return this.#creating;
  }

  async #create(): Promise<RedisClient> {
    try {
      const client = await createRedisClient(this.#resolved, this.#address, (error) => {
        this.#lastConnectionError = error;
      });
      this.#client = client;
      return client;
    } finally {
      this.#creating = undefined;
    }
  }

  async #run<T>(command: string, keys: string, fn: () => Promise<T>): Promise<T> {
    const client = this.#client;
    if (this.#unrefWhenIdle && client !== undefined) {
      this.#running += 1;
      setClientRef(client, true);
    }
    try {
      return await fn();
    } catch (error) {
      throw toRedisConnectorError(error, {
        address: this.#address,
        command,
        keys,
        lastConnectionError: this.#lastConnectionError,
        commandTimeoutMs: this.#resolved.commandTimeoutMs,
      });
    } finally {
      if (this.#unrefWhenIdle && client !== undefined) {
        this.#running -= 1;
        if (this.#running === 0) setClientRef(client, false);
      }
    }
  }
}

/** The server's proto-max-bulk-len, or Infinity when CONFIG is not allowed. */
async function readMaxBulkLength(client: RedisClient): Promise<number> {
  try {
    const reply = (await client.config('GET', 'proto-max-bulk-len')) as unknown;
    const value = Array.isArray(reply) ? Number(reply[1]) : Number.NaN;
    return Number.isFinite(value) && value > 0 ? value : Number.POSITIVE_INFINITY;
  } catch {
    return Number.POSITIVE_INFINITY;
  }
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const item of Object.values(value)) deepFreeze(item);
    Object.freeze(value);
  }
  return value;
}

function idOf(key: RedisKey): string {
  const id = (key as { id?: unknown } | null)?.id;
  if (typeof id !== 'string' || id === '') {
    throw InvalidArgumentError.format('key', key, 'a Redis key is { id: string }');
  }
  return id;
}

function toBuffer(data: Uint8Array): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (!(data instanceof Uint8Array)) {
    throw InvalidArgumentError.format(
      'data',
      data,
      'a connector stores Uint8Array bytes',
    );
  }
  return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}

function slotGroups(names: readonly string[]): string[][] {
  return groupBySlot(names).map((group) => group.map((i) => names[i] as string));
}

function chunk<T>(items: readonly T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let i = 0; i < items.length; i += size) {
    chunks.push(items.slice(i, i + size));
  }
  return chunks;
}

function totalBytes(values: readonly Buffer[]): number {
  return values.reduce((sum, v) => sum + v.byteLength, 0);
}

function elapsed(started: number): number {
  return Math.round((performance.now() - started) * 1000) / 1000;
}
