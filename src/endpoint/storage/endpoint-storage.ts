/**
 * An endpoint's object storage: memory first, disk behind it.
 *
 * - Without a database, objects live in memory. When the bytes held exceed
 *   the memory limit, the oldest objects spill to a scratch folder, which is
 *   wiped at open and at close. An object larger than the limit goes to disk
 *   directly.
 * - With a database folder, every object is also written there (before the
 *   write is acknowledged), so objects survive a restart; memory then only
 *   holds recent objects within the limit, and spilling simply drops them.
 *
 * Writes, evicts and spills of one key run one at a time; reads take no lock,
 * because at every moment an object is in memory, on disk, or both.
 */
import { logger } from '../../utils/debug.js';
import { DiskStore, type DiskObject } from './disk-store.js';
import { KeyLock } from './key-lock.js';

const log = logger('endpoint:storage');

/** Options of {@link EndpointStorage}. */
export interface EndpointStorageOptions {
  /** Bytes held in memory before the oldest objects spill to disk. */
  memoryLimit: number;
  /** Folder of the persistent database; absent means in memory only. */
  databasePath?: string | undefined;
  /** Scratch folder for spilled objects when there is no database. */
  spillDir: string;
}

/** An object as the storage returns it: bytes in memory, or an open file. */
export type StoredObject =
  | { kind: 'memory'; data: Buffer }
  | ({ kind: 'file' } & DiskObject);

export class EndpointStorage {
  readonly #memory = new Map<string, Buffer>();
  #memoryBytes = 0;
  readonly #memoryLimit: number;
  readonly #disk: DiskStore;
  readonly #persistent: boolean;
  readonly #lock = new KeyLock();
  #spilling: Promise<void> | undefined;
  #closed = false;

  constructor(options: EndpointStorageOptions) {
    this.#memoryLimit = options.memoryLimit;
    this.#persistent = options.databasePath !== undefined;
    this.#disk = new DiskStore(options.databasePath ?? options.spillDir);
  }

  /** Whether objects survive a restart. */
  get persistent(): boolean {
    return this.#persistent;
  }

  /** Bytes currently held in memory. */
  get memoryBytes(): number {
    return this.#memoryBytes;
  }

  /** Prepares the disk folder; wipes it when it is only scratch space. */
  async open(): Promise<void> {
    await this.#disk.init(!this.#persistent);
  }

  /** Stores `data` under `key`, replacing any earlier object. */
  async set(key: string, data: Buffer): Promise<void> {
    await this.#lock.run(key, async () => {
      if (this.#persistent) await this.#disk.write(key, data);

      this.#dropFromMemory(key);
      if (data.byteLength <= this.#memoryLimit) {
        this.#memory.set(key, data);
        this.#memoryBytes += data.byteLength;
        if (!this.#persistent) await this.#disk.delete(key);
      } else if (!this.#persistent) {
        await this.#disk.write(key, data);
      }
    });

    if (this.#memoryBytes > this.#memoryLimit) await this.#spill();
  }

  /** The object under `key`, or `null`. A `file` result must be closed. */
  async get(key: string): Promise<StoredObject | null> {
    const data = this.#memory.get(key);
    if (data !== undefined) return { kind: 'memory', data };

    const file = await this.#disk.open(key);
    return file === null ? null : { kind: 'file', ...file };
  }

  /** The bytes under `key`, or `null` (reads a disk object whole). */
  async getBytes(key: string): Promise<Buffer | null> {
    return this.#memory.get(key) ?? (await this.#disk.read(key));
  }

  /** Whether an object exists under `key`. */
  async exists(key: string): Promise<boolean> {
    return this.#memory.has(key) || (await this.#disk.exists(key));
  }

  /** Removes the object under `key`; a missing key is not an error. */
  async evict(key: string): Promise<void> {
    await this.#lock.run(key, async () => {
      this.#dropFromMemory(key);
      await this.#disk.delete(key);
    });
  }

  /**
   * Releases memory; wipes the scratch folder when not persistent.
   * Idempotent.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;

    await this.#spilling;
    this.#memory.clear();
    this.#memoryBytes = 0;
    if (!this.#persistent) await this.#disk.destroy();
  }

  #dropFromMemory(key: string): void {
    const old = this.#memory.get(key);
    if (old === undefined) return;

    this.#memory.delete(key);
    this.#memoryBytes -= old.byteLength;
  }

  /** Moves the oldest objects out of memory until within the limit. */
  #spill(): Promise<void> {
    this.#spilling ??= this.#spillLoop().finally(() => {
      this.#spilling = undefined;
    });
    return this.#spilling;
  }

  async #spillLoop(): Promise<void> {
    while (this.#memoryBytes > this.#memoryLimit && !this.#closed) {
      const oldest = this.#memory.keys().next();
      if (oldest.done === true) return;

      const key = oldest.value;
      await this.#lock.run(key, async () => {
        const data = this.#memory.get(key);
        if (data === undefined) return;

        if (!this.#persistent) await this.#disk.write(key, data);
        this.#dropFromMemory(key);
        const dir = this.#disk.dir;
        log('spilled %s (%d bytes) to %s', key, data.byteLength, dir);
      });
    }
  }
}
