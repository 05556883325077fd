import {
  FileConnector,
  type FileConnectorOptions,
  type FileKey,
} from '../connectors/file-connector.js';
import type { StoreOptions } from './config.js';
import { Store } from './store.js';

/** Options of {@link FileStore}. */
export interface FileStoreOptions extends StoreOptions, FileConnectorOptions {}

/**
 * A store in a directory shared by processes (or machines, over a shared file
 * system). Proxies resolve synchronously with plain file reads.
 *
 * @example
 * ```ts
 * const store = new FileStore('shared', { storeDir: '/tmp/proxystore' });
 * const p = await store.proxy({ big: 'object' });
 * ```
 */
export class FileStore extends Store<FileKey> {
  constructor(name: string, options: FileStoreOptions) {
    const { storeDir, clear, ...storeOptions } = options ?? ({} as FileStoreOptions);
    super(name, new FileConnector({ storeDir, clear }), storeOptions);
  }
}
