import {
  closeSync,
  fstatSync,
  openSync,
  readSync,
  writeSync,
  fsyncSync,
} from 'node:fs';
import { open } from 'node:fs/promises';

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

/** Writes all of `data` to a new file `path` (fails if it exists). */
export function writeFileFullySync(
  path: string,
  data: Uint8Array,
  chunk = IO_CHUNK_BYTES,
): void {
  const fd = openSync(path, 'wx');
  try {
    let offset = 0;
    while (offset < data.byteLength) {
      const n = chunkOf(data.byteLength, offset, chunk);
      const written = writeSync(fd, data, offset, n, offset);
      if (written <= 0) throw new ShortIoError(`write of ${path} stopped at ${offset}`);
      offset += written;
    }
    const size = fstatSync(fd).size;
    if (size !== data.byteLength) {
      throw new ShortIoError(`${path} has ${size} bytes after writing ${data.byteLength}`);
    }
    if (process.env['PROXYSTORE_FILE_FSYNC'] === '1') fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Async twin of {@link writeFileFullySync}. */
export async function writeFileFully(
  path: string,
  data: Uint8Array,
  chunk = IO_CHUNK_BYTES,
): Promise<void> {
  const handle = await open(path, 'wx');
  try {
    let offset = 0;
    while (offset < data.byteLength) {
      const n = chunkOf(data.byteLength, offset, chunk);
      const { bytesWritten } = await handle.write(data, offset, n, offset);
      if (bytesWritten <= 0) throw new ShortIoError(`write of ${path} stopped at ${offset}`);
      offset += bytesWritten;
    }
    const { size } = await handle.stat();
    if (size !== data.byteLength) {
      throw new ShortIoError(`${path} has ${size} bytes after writing ${data.byteLength}`);
    }
    if (process.env['PROXYSTORE_FILE_FSYNC'] === '1') await handle.sync();
  } finally {
    await handle.close();
  }
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
