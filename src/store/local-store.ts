import {
  LocalConnector,
  type LocalConnectorOptions,
  type LocalKey,
} from '../connectors/local-connector.js';
import { rejectUnknownOptions } from '../utils/options.js';
import { STORE_OPTION_NAMES, type StoreOptions } from './config.js';
import { Store } from './store.js';

/** Options of {@link LocalStore}. */
export interface LocalStoreOptions extends StoreOptions, LocalConnectorOptions {}

/**
 * A store in this process's memory: for development, tests and passing
 * objects between parts of one program. Proxies resolve synchronously.
 */
export class LocalStore extends Store<LocalKey> {
  constructor(name: string, options: LocalStoreOptions = {}) {
    rejectUnknownOptions(options, [...STORE_OPTION_NAMES, 'storeMap'], 'LocalStore');
    const { storeMap, ...storeOptions } = options;
    super(name, new LocalConnector({ storeMap }), storeOptions);
  }
}
