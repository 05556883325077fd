/** Shared limits and names of the endpoint server, its files and its CLI. */

/** Largest object an endpoint accepts unless configured otherwise: 1 GiB. */
export const DEFAULT_MAX_OBJECT_SIZE = 1024 * 1024 * 1024;

/**
 * Bytes of objects an endpoint keeps in memory before it spills the oldest
 * to disk, unless configured otherwise: 1 GiB.
 */
export const DEFAULT_MEMORY_LIMIT = 1024 * 1024 * 1024;

/** Address an endpoint listens on unless configured otherwise. */
export const DEFAULT_HOST = '127.0.0.1';

/** Range from which `configure` picks a port when none is given. */
export const PORT_RANGE = { min: 10240, max: 20480 } as const;

/** Longest object key (in UTF-16 units) the server accepts. */
export const MAX_KEY_LENGTH = 1024;

/** Folder under the ProxyStore home that holds one folder per endpoint. */
export const ENDPOINTS_DIR = 'endpoints';

/** File names inside an endpoint's folder. */
export const CONFIG_FILE = 'config.toml';
export const PID_FILE = 'daemon.pid';
export const LOG_FILE = 'log.txt';
export const DATABASE_DIR = 'blobs';
export const SPILL_DIR = 'spill';

/** How long `stop` waits for an endpoint to exit after SIGTERM. */
export const STOP_TIMEOUT_MS = 10_000;

/** How long `start` waits for a daemon to answer on its port. */
export const START_TIMEOUT_MS = 30_000;
