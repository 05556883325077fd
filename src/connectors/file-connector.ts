import {
  existsSync,
  mkdirSync,
  readdirSync,
  rmdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { randomBytes } from 'node:crypto';
import { access, rename, rm, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join, parse, resolve as resolvePath } from 'node:path';

import { FileConnectorError, InvalidArgumentError } from '../errors.js';
import { logger } from '../utils/debug.js';
import type { JsonObject } from '../utils/json.js';
import { isObjectId, newObjectId } from '../utils/uuid.js';
import type {
  CloseOptions,
  ConnectorConfig,
  DeferrableConnector,
} from './connector.js';
import {
  readFileFully,
  readFileFullySync,
  writeFileFully,
  writeFileFullySync,
  type FileBytes,
} from './file-io.js';
import { registerConnectorKind } from './kinds.js';

const log = logger('connector:file');

/** Key of a {@link FileConnector}: the object's file name (a UUID). */
export interface FileKey {
  readonly id: string;
  readonly [field: string]: string;
}

/** Options of {@link FileConnector}. */
export interface FileConnectorOptions {
  /** Directory of the objects; made absolute and created if missing. */
  storeDir: string;
  /**
   * Whether `close()` deletes the store's objects by default.
   * @defaultValue false
   */
  clear?: boolean | undefined;
}

const READY = '.ready';

/** Objects up to this size are written with blocking calls (see #write). */
const SYNC_WRITE_BYTES = 2 * 1024 * 1024;

function byteLengthOf(data: FileBytes): number {
  return data instanceof Uint8Array
    ? data.byteLength
    : data.reduce((n, part) => n + part.byteLength, 0);
}
/** An object file, its marker, or a temporary file of set(). */
const OBJECT_FILE =
  /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}(\.ready|\.[0-9a-f]{8}\.tmp)?$/;

function isNotFound(err: unknown): boolean {
  return (err as NodeJS.ErrnoException | null)?.code === 'ENOENT';
}

/**
 * Stores each object as a file in a directory that several processes (or
 * machines, over a shared file system) can reach.
 *
 * An object is written completely to `<storeDir>/<id>`, then an empty
 * `<id>.ready` marker is created; readers trust only marked files, so a
 * crash part-way through a write never reads as data. Reads and writes go in
 * bounded chunks, so objects over 2 GiB work. Reads can be synchronous, so
 * proxies of a FileStore resolve without the bridge.
 */
export class FileConnector implements DeferrableConnector<FileKey> {
  readonly kind = 'file';
  readonly storeDir: string;
  readonly #clear: boolean;
  #closed = false;

  constructor(options: FileConnectorOptions) {
    const dir: unknown = options?.storeDir;
    if (typeof dir !== 'string' || dir.length === 0) {
      throw InvalidArgumentError.format(
        'storeDir',
        dir,
        'FileConnector needs the path of a directory, for example { storeDir: "/tmp/ps" }',
      );
    }
    this.storeDir = resolvePath(dir);
    this.#clear = options.clear ?? false;
    try {
      mkdirSync(this.storeDir, { recursive: true });
    } catch (err) {
      throw new FileConnectorError(
        `Cannot create the store directory ${this.storeDir}: ${(err as Error).message}`,
        { cause: err, path: this.storeDir },
      );
    }
  }

  static fromConfig(options: JsonObject): FileConnector {
    const clear = options['clear'];
    return new FileConnector({
      storeDir: options['storeDir'] as string,
      clear: typeof clear === 'boolean' ? clear : undefined,
    });
  }

  config(): ConnectorConfig {
    return {
      kind: this.kind,
      options: { storeDir: this.storeDir, clear: this.#clear },
    };
  }

  async put(data: Uint8Array): Promise<FileKey> {
    const key = { id: newObjectId() };
    await this.#write(key, data);
    return key;
  }

  async putParts(parts: readonly Uint8Array[]): Promise<FileKey> {
    const key = { id: newObjectId() };
    await this.#write(key, parts);
    return key;
  }

  async putBatch(data: readonly Uint8Array[]): Promise<FileKey[]> {
    const keys: FileKey[] = [];
    try {
      for (const d of data) keys.push(await this.put(d));
    } catch (err) {
      await Promise.all(keys.map((k) => this.evict(k)));
      throw err;
    }
    return keys;
  }

  async get(key: FileKey): Promise<Uint8Array | null> {
    const path = this.#pathOf(key);
    try {
      await access(path + READY);
      return await readFileFully(path);
    } catch (err) {
      if (isNotFound(err)) return null;
      throw this.#ioError('read', path, err);
    }
  }

  async getBatch(keys: readonly FileKey[]): Promise<(Uint8Array | null)[]> {
    return Promise.all(keys.map((k) => this.get(k)));
  }

  async exists(key: FileKey): Promise<boolean> {
    return this.existsSync(key);
  }

  async evict(key: FileKey): Promise<void> {
    const path = this.#pathOf(key);
    try {
      await rm(path + READY, { force: true });
      await rm(path, { force: true });
    } catch (err) {
      throw this.#ioError('evict', path, err);
    }
  }

  async newKey(): Promise<FileKey> {
    return { id: newObjectId() };
  }

  /**
   * Writes (or overwrites) the object under `key`: the bytes go to a
   * temporary file that is renamed over `<id>`, then the marker is made. A
   * reader sees the old object or the new one, never a mix, and when several
   * set() of one key run at once the last rename wins.
   */
  async set(key: FileKey, data: Uint8Array): Promise<void> {
    const path = this.#pathOf(key);
    const temp = `${path}.${randomBytes(4).toString('hex')}.tmp`;
    try {
      if (data.byteLength <= SYNC_WRITE_BYTES) writeFileFullySync(temp, data);
      else await writeFileFully(temp, data);
      await rename(temp, path);
      await writeFile(path + READY, '', { flag: 'a' });
    } catch (err) {
      await rm(temp, { force: true }).catch(() => undefined);
      throw this.#ioError('write', path, err);
    }
  }

  /**
   * Writes the data file, then the marker. A failure removes only what this
   * call wrote: the file-io helpers remove their own partial data file, and
   * a data file that already existed (another writer's) is never touched.
   */
  async #write(key: FileKey, data: FileBytes): Promise<void> {
    const path = this.#pathOf(key);
    let written = false;
    try {
      if (byteLengthOf(data) <= SYNC_WRITE_BYTES) {
        // Small objects: a few blocking syscalls beat several thread-pool hops.
        writeFileFullySync(path, data);
        written = true;
        writeFileSync(path + READY, '', { flag: 'wx' });
      } else {
        await writeFileFully(path, data);
        written = true;
        await writeFile(path + READY, '', { flag: 'wx' });
      }
    } catch (err) {
      if (written) await rm(path, { force: true }).catch(() => undefined);
      throw this.#ioError('write', path, err);
    }
  }

  getSync(key: FileKey): Uint8Array | null {
    const path = this.#pathOf(key);
    if (!existsSync(path + READY)) return null;
    try {
      return readFileFullySync(path);
    } catch (err) {
      if (isNotFound(err)) return null;
      throw this.#ioError('read', path, err);
    }
  }

  existsSync(key: FileKey): boolean {
    return existsSync(this.#pathOf(key) + READY);
  }

  /** Synchronous write, used by in-process producers that cannot await. */
  putSync(data: Uint8Array): FileKey {
    const key = { id: newObjectId() };
    const path = this.#pathOf(key);
    try {
      writeFileFullySync(path, data); // removes its own partial file
    } catch (err) {
      throw this.#ioError('write', path, err);
    }

    try {
      writeFileSync(path + READY, '', { flag: 'wx' });
    } catch (err) {
      try {
        rmSync(path, { force: true });
      } catch {
        // the marker failed already; its error is the one to report
      }
      throw this.#ioError('write', path, err);
    }
    return key;
  }

  /**
   * `clear` (default: the constructor's `clear`, itself false by default)
   * deletes this store's object files and then the directory if it is empty.
   * Other files in the directory are never touched. Idempotent.
   */
  async close(options: CloseOptions = {}): Promise<void> {
    const clear = options.clear ?? this.#clear;
    if (!clear) {
      this.#closed = true;
      return;
    }
    this.#clearDirectory();
    this.#closed = true;
  }

  get closed(): boolean {
    return this.#closed;
  }

  #clearDirectory(): void {
    const dir = this.storeDir;
    if (dir === parse(dir).root || dir === homedir()) {
      throw new FileConnectorError(`Refusing to clear ${dir}: it is not a store directory.`, {
        path: dir,
      });
    }
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch (err) {
      if (isNotFound(err)) return;
      throw this.#ioError('clear', dir, err);
    }
    for (const name of names) {
      if (!OBJECT_FILE.test(name)) continue;
      rmSync(join(dir, name), { force: true });
    }
    try {
      rmdirSync(dir);
    } catch (err) {
      log('kept %s after clear: %s', dir, (err as Error).message);
    }
  }

  #pathOf(key: FileKey): string {
    const id = (key as { id?: unknown } | null)?.id;
    if (!isObjectId(id)) {
      throw InvalidArgumentError.format(
        'key',
        key,
        'a FileConnector key is { id: <uuid> } as returned by put()',
      );
    }
    return join(this.storeDir, id);
  }

  #ioError(op: string, path: string, cause: unknown): FileConnectorError {
    const message = (cause as Error)?.message ?? String(cause);
    return new FileConnectorError(`FileConnector could not ${op} ${path}: ${message}`, {
      cause,
      path,
    });
  }
}

registerConnectorKind('file', (options) => FileConnector.fromConfig(options));
