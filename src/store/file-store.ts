import {
  FileConnector,
  type FileConnectorOptions,
  type FileKey,
} from '../connectors/file-connector.js';
import { InvalidArgumentError } from '../errors.js';
import { rejectUnknownOptions } from '../utils/options.js';
import { STORE_OPTION_NAMES, type StoreOptions } from './config.js';
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
    const { storeDir, clear, ...storeOptions } = checked(options);
    super(name, new FileConnector({ storeDir, clear }), storeOptions);
  }
}

function checked(options: FileStoreOptions | undefined): FileStoreOptions {
  if (options === undefined || options === null) {
    throw InvalidArgumentError.format(
      'options',
      options,
      'FileStore needs { storeDir }, for example new FileStore("shared", { storeDir: "/tmp/ps" })',
    );
  }
  rejectUnknownOptions(options, [...STORE_OPTION_NAMES, 'storeDir', 'clear'], 'FileStore');
  return options;
}
