import {
  closeSync,
  fstatSync,
  openSync,
  readSync,
  rmSync,
  writeSync,
  fsyncSync,
} from 'node:fs';
import { open, rm, type FileHandle } from 'node:fs/promises';

/**
 * Bounded-chunk file I/O. `fs.readFile` refuses files over 2 GiB and a single
 * `write` call moves at most 2 GiB, so every read and write here goes through
 * a loop of chunks of at most {@link IO_CHUNK_BYTES}, checking that each call
 * moved the bytes it had to (a short count would otherwise pass silently).
 */
export const IO_CHUNK_BYTES = 256 * 1024 * 1024;

/** A file's size changed under us, or a read or write stopped early. */
export class ShortIoError extends Error {
  override readonly name = 'ShortIoError';
}

function chunkOf(total: number, offset: number, chunk: number): number {
  return Math.min(chunk, total - offset);
}

/** The bytes of a file, as one array or as parts written one after another. */
export type FileBytes = Uint8Array | readonly Uint8Array[];

function partsOf(data: FileBytes): readonly Uint8Array[] {
  return data instanceof Uint8Array ? [data] : data;
}

function totalOf(parts: readonly Uint8Array[]): number {
  return parts.reduce((n, p) => n + p.byteLength, 0);
}

/**
 * Writes all of `data` to a new file `path` (fails if it exists). When a
 * write fails after the file was created, the partial file is removed; a
 * file that existed already (`EEXIST`) is never touched.
 */
export function writeFileFullySync(
  path: string,
  data: FileBytes,
  chunk = IO_CHUNK_BYTES,
): void {
  const parts = partsOf(data);
  const fd = openSync(path, 'wx');
  try {
    try {
      writeAllSync(fd, path, parts, chunk);
    } finally {
      closeSync(fd);
    }
  } catch (error) {
    try {
      rmSync(path, { force: true });
    } catch {
      // the write failed already; its error is the one to report
    }
    throw error;
  }
}

function writeAllSync(
  fd: number,
  path: string,
  parts: readonly Uint8Array[],
  chunk: number,
): void {
  let position = 0;
  for (const part of parts) {
    let offset = 0;
    while (offset < part.byteLength) {
      const n = chunkOf(part.byteLength, offset, chunk);
      const written = writeSync(fd, part, offset, n, position);
      if (written <= 0) throw new ShortIoError(`write of ${path} stopped at ${position}`);
      offset += written;
      position += written;
    }
  }
  if (position !== totalOf(parts) || fstatSync(fd).size !== position) {
    throw new ShortIoError(`${path} does not hold the ${totalOf(parts)} bytes written`);
  }
  if (process.env['PROXYSTORE_FILE_FSYNC'] === '1') fsyncSync(fd);
}

/** Async twin of {@link writeFileFullySync}. */
export async function writeFileFully(
  path: string,
  data: FileBytes,
  chunk = IO_CHUNK_BYTES,
): Promise<void> {
  const parts = partsOf(data);
  const handle = await open(path, 'wx');
  try {
    try {
      await writeAll(handle, path, parts, chunk);
    } finally {
      await handle.close();
    }
  } catch (error) {
    await rm(path, { force: true }).catch(() => undefined);
    throw error;
  }
}

async function writeAll(
  handle: FileHandle,
  path: string,
  parts: readonly Uint8Array[],
  chunk: number,
): Promise<void> {
  let position = 0;
  for (const part of parts) {
    let offset = 0;
    while (offset < part.byteLength) {
      const n = chunkOf(part.byteLength, offset, chunk);
      const { bytesWritten } = await handle.write(part, offset, n, position);
      if (bytesWritten <= 0) {
        throw new ShortIoError(`write of ${path} stopped at ${position}`);
      }
      offset += bytesWritten;
      position += bytesWritten;
    }
  }
  if (position !== totalOf(parts)) {
    throw new ShortIoError(`${path} does not hold the ${totalOf(parts)} bytes written`);
  }
  if (process.env['PROXYSTORE_FILE_FSYNC'] === '1') await handle.sync();
}

/** Reads a whole file; the result owns its whole ArrayBuffer (transferable). */
export function readFileFullySync(path: string, chunk = IO_CHUNK_BYTES): Buffer {
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    const out = Buffer.allocUnsafeSlow(size);
    let offset = 0;
    while (offset < size) {
      const n = readSync(fd, out, offset, chunkOf(size, offset, chunk), offset);
      if (n <= 0) throw new ShortIoError(`${path} ended at ${offset} of ${size} bytes`);
      offset += n;
    }
    return out;
  } finally {
    closeSync(fd);
  }
}

/** Async twin of {@link readFileFullySync}. */
export async function readFileFully(path: string, chunk = IO_CHUNK_BYTES): Promise<Buffer> {
  const handle = await open(path, 'r');
  try {
    const { size } = await handle.stat();
    const out = Buffer.allocUnsafeSlow(size);
    let offset = 0;
    while (offset < size) {
      const n = chunkOf(size, offset, chunk);
      const { bytesRead } = await handle.read(out, offset, n, offset);
      if (bytesRead <= 0) throw new ShortIoError(`${path} ended at ${offset} of ${size} bytes`);
      offset += bytesRead;
    }
    return out;
  } finally {
    await handle.close();
  }
}
