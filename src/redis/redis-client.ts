/**
 * Loading ioredis (an optional peer dependency) and building a client with
 * bounded retries from resolved connector options.
 */
import type { ConnectionOptions } from 'node:tls';

import type { Cluster, Redis } from 'ioredis';

import { RedisConnectorError } from '../errors.js';
import { logger } from '../utils/debug.js';
import type { ResolvedRedisOptions } from './redis-config.js';

const log = logger('connector:redis');

/** The ioredis client we drive: a standalone server or a cluster. */
export type RedisClient = Redis | Cluster;

/** Reconnect attempts before a client gives up and ends. */
const MAX_RECONNECTS = 10;
/** Times a command is retried across reconnects before it fails. */
const MAX_RETRIES_PER_REQUEST = 2;

export const INSTALL_IOREDIS_MESSAGE =
  'Install ioredis to use RedisStore: npm install ioredis';

const importIoredis = () => import('ioredis');
type IoredisModule = Awaited<ReturnType<typeof importIoredis>>;

let loading: Promise<IoredisModule> | undefined;

/** Imports ioredis once; when it is missing, the error says what to install. */
export function loadIoredis(address: string): Promise<IoredisModule> {
  const pending =
    loading ??
    importIoredis().catch((error: unknown) => {
      loading = undefined;
      throw new RedisConnectorError(address, `${INSTALL_IOREDIS_MESSAGE}.`, {
        cause: error,
      });
    });
  loading = pending;
  return pending;
}

/** Called with each connection-level error, so failures can name it. */
export type ConnectionErrorSink = (error: Error) => void;

/** Builds a client; it connects in the background and queues commands meanwhile. */
export async function createRedisClient(
  options: ResolvedRedisOptions,
  address: string,
  onConnectionError: ConnectionErrorSink,
): Promise<RedisClient> {
  const ioredis = await loadIoredis(address);

  const retryStrategy = (times: number): number | null =>
    times > MAX_RECONNECTS ? null : Math.min(times * 100, 1_000);
  const common = {
    connectTimeout: options.connectTimeoutMs,
    commandTimeout: options.commandTimeoutMs,
    maxRetriesPerRequest: MAX_RETRIES_PER_REQUEST,
    ...(options.username === undefined ? {} : { username: options.username }),
    ...(options.password === undefined ? {} : { password: options.password }),
    ...(options.tls === undefined ? {} : { tls: options.tls as ConnectionOptions }),
  };

  let client: RedisClient;
  if (options.nodes === undefined) {
    client = new ioredis.Redis({
      ...common,
      host: options.host,
      port: options.port,
      db: options.db,
      retryStrategy,
    });
  } else {
    const nodes = options.nodes.map((n) => ({ host: n.host, port: n.port }));
    client = new ioredis.Cluster(nodes, {
      redisOptions: common,
      clusterRetryStrategy: retryStrategy,
      enableAutoPipelining: true,
      slotsRefreshTimeout: Math.min(options.connectTimeoutMs, 5_000),
    });
  }

  // Without a listener ioredis prints every connection error to stderr.
  client.on('error', (error: Error) => {
    log('connection error at %s: %s', address, error.message);
    onConnectionError(error);
  });
  return client;
}

/** Whether a client has given up reconnecting (a new one is needed). */
export function isClientEnded(client: RedisClient): boolean {
  return client.status === 'end';
}

/** Quits politely, then drops the socket if the server does not answer soon. */
export async function closeRedisClient(client: RedisClient): Promise<void> {
  if (client.status === 'end') return;

  const timer = setTimeout(() => client.disconnect(), 2_000);
  try {
    await client.quit();
  } catch {
    client.disconnect();
  } finally {
    clearTimeout(timer);
  }
}

interface Refable {
  ref?: () => void;
  unref?: () => void;
}

/**
 * Refs or unrefs the client's sockets (every node's, on a cluster). An
 * unref'd idle socket does not keep the process alive.
 */
export function setClientRef(client: RedisClient, ref: boolean): void {
  const nodes: unknown[] = 'nodes' in client && typeof client.nodes === 'function'
    ? client.nodes()
    : [client];
  for (const node of nodes) {
    const stream = (node as { stream?: Refable }).stream;
    if (ref) stream?.ref?.();
    else stream?.unref?.();
  }
}
