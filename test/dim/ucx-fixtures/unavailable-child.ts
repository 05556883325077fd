/**
 * Run with PROXYSTORE_UCX_ADDON pointing nowhere: the library must load,
 * and only building a UCX store fails, with UcxUnavailableError.
 */
import { LocalStore } from '../../../src/index.js';
import { UCXConnector, UCXStore, isUcxAvailable } from '../../../src/dim/index.js';
import { connectorFromConfig } from '../../../src/connectors/kinds.js';
import '../../../src/connectors/builtin-kinds.js';

function attempt(fn: () => unknown): { name: string; message: string; kind?: unknown } {
  try {
    fn();
    return { name: 'none', message: '' };
  } catch (error) {
    const e = error as Error & { connectorKind?: unknown };
    return { name: e.name, message: e.message, kind: e.connectorKind };
  }
}

const local = new LocalStore('still-works');
const key = await local.put('value');
const fromConfig = await connectorFromConfig({ kind: 'ucx', options: {} }).then(
  () => ({ name: 'none', message: '' }),
  (error: Error) => ({ name: error.name, message: error.message }),
);

process.stdout.write(
  JSON.stringify({
    available: isUcxAvailable(),
    local: await local.get(key),
    store: attempt(() => new UCXStore('ucx')),
    connector: attempt(() => new UCXConnector()),
    fromConfig,
  }),
);
await local.close();
