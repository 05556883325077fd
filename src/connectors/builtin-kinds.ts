import { declareLazyConnectorKind } from './kinds.js';

/**
 * The built-in connector kinds that live behind subpath exports. Each entry
 * imports one of this package's own modules, which registers the kind when it
 * loads; nothing else is ever imported on behalf of a config or reference.
 * `local` and `file` are registered by the root module itself.
 */
declareLazyConnectorKind('redis', () => import('../redis/index.js'));
declareLazyConnectorKind('endpoint', () => import('../endpoint/index.js'));
declareLazyConnectorKind('websocket', () => import('../dim/index.js'));
declareLazyConnectorKind('ucx', () => import('../dim/index.js'));
declareLazyConnectorKind('globus', () => import('../globus/index.js'));
