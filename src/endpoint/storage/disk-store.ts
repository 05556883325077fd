/**
 * One file per object in a folder. A write goes to a temporary file that is
 * renamed into place once complete, so a reader sees the old object, the new
 * one, or none: never a half-written file. File names are the SHA-256 of the
 * key, so any key string maps to a safe, fixed-length name.
 */
import { createHash, randomBytes } from 'node:crypto';
import {
  mkdir,
  open,
  readFile,
  readdir,
  rename,
  rm,
  stat,
  unlink,
  writeFile,
  type FileHandle,
} from 'node:fs/promises';
import { join } from 'node:path';

const TMP_SUFFIX = '.tmp';

/** An object on disk, opened for reading; the caller closes `handle`. */
export interface DiskObject {
  size: number;
  handle: FileHandle;
}

export class DiskStore {
  readonly dir: string;
  #ready: Promise<void> | undefined;

  constructor(dir: string) {
    this.dir = dir;
  }

  /**
   * Creates the folder and removes leftovers of interrupted writes; with
   * `clear`, removes every object too. Runs once; later calls wait for it.
   */
  init(clear: boolean): Promise<void> {
    this.#ready ??= this.#init(clear);
    return this.#ready;
  }

  async #init(clear: boolean): Promise<void> {
    if (clear) await rm(this.dir, { recursive: true, force: true });
    await mkdir(this.dir, { recursive: true });

    const names = await readdir(this.dir);
    const stale = names.filter((n) => n.endsWith(TMP_SUFFIX));
    await Promise.all(stale.map((n) => rm(join(this.dir, n), { force: true })));
  }

  /** Path of the file that holds `key`. */
  pathOf(key: string): string {
    const name = createHash('sha256').update(key).digest('hex');
    return join(this.dir, name);
  }

  /** Writes `data` under `key`, replacing any earlier object atomically. */
  async write(key: string, data: Uint8Array): Promise<void> {
    await this.init(false);

    const path = this.pathOf(key);
    const tmp = `${path}.${randomBytes(6).toString('hex')}${TMP_SUFFIX}`;
    try {
      // TODO(durability): no fsync, so a power cut may lose the last writes
      // (the rename still guarantees they are never half-visible).
      await writeFile(tmp, data);
      await rename(tmp, path);
    } catch (err) {
      await rm(tmp, { force: true });
      throw err;
    }
  }

  /** Opens the object under `key` for streaming, or `null` if absent. */
  async open(key: string): Promise<DiskObject | null> {
    let handle: FileHandle;
    try {
      handle = await open(this.pathOf(key), 'r');
    } catch (err) {
      if (isMissing(err)) return null;
      throw err;
    }

    try {
      const info = await handle.stat();
      return { size: info.size, handle };
    } catch (err) {
      await handle.close();
      throw err;
    }
  }

  /** Reads the whole object under `key`, or `null` if absent. */
  async read(key: string): Promise<Buffer | null> {
    try {
      return await readFile(this.pathOf(key));
    } catch (err) {
      if (isMissing(err)) return null;
      throw err;
    }
  }

  /** Whether an object exists under `key`. */
  async exists(key: string): Promise<boolean> {
    try {
      return (await stat(this.pathOf(key))).isFile();
    } catch (err) {
      if (isMissing(err)) return false;
      throw err;
    }
  }

  /** Removes the object under `key`; a missing key is not an error. */
  async delete(key: string): Promise<void> {
    try {
      await unlink(this.pathOf(key));
    } catch (err) {
      if (!isMissing(err)) throw err;
    }
  }

  /** Removes the folder with everything in it. */
  async destroy(): Promise<void> {
    await rm(this.dir, { recursive: true, force: true });
  }
}

function isMissing(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException).code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}
