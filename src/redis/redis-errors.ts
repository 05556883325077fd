/**
 * Turns ioredis failures into {@link RedisConnectorError}s whose message names
 * the server, the command, the key and what to do.
 */
import { RedisConnectorError } from '../errors.js';

/** What was being done when a command failed. */
export interface RedisFailureContext {
  /** `host:port` of the server (or the cluster seeds). */
  address: string;
  /** The Redis command, for example `'GET'`. */
  command: string;
  /** A short description of the key(s), for example `'3f2c...'` or `'3 keys'`. */
  keys: string;
  /** The last connection-level error the client reported, if any. */
  lastConnectionError: Error | undefined;
  /** The connector's `commandTimeoutMs`. */
  commandTimeoutMs: number;
}

const BULK_LENGTH_REPLY = /invalid bulk length/i;
const CONNECTION_FAILURE = new RegExp(
  [
    'Connection is closed',
    'max retries per request',
    'ECONNREFUSED|ECONNRESET|EPIPE|ENOTFOUND|ETIMEDOUT|EHOSTUNREACH',
    'Failed to refresh slots cache',
    'None of startup nodes',
  ].join('|'),
  'i',
);

/** Wraps an ioredis error (or passes a RedisConnectorError through). */
export function toRedisConnectorError(
  error: unknown,
  context: RedisFailureContext,
): RedisConnectorError {
  if (error instanceof RedisConnectorError) return error;

  const { address, command, keys } = context;
  const err = error instanceof Error ? error : new Error(String(error));
  const what = `Redis ${command} of ${keys} at ${address}`;
  const options = { cause: err, command };

  if (err.name === 'ReplyError') {
    const reply = err.message;
    const hint = BULK_LENGTH_REPLY.test(reply)
      ? ' A value is larger than the server accepts (proto-max-bulk-len): ' +
        'raise proto-max-bulk-len on the server or store smaller objects.'
      : '';
    return new RedisConnectorError(
      address,
      `${what} failed: the server replied "${reply}".${hint}`,
      { ...options, reply },
    );
  }

  if (/Command timed out/i.test(err.message)) {
    return new RedisConnectorError(
      address,
      `${what} got no answer within commandTimeoutMs (${context.commandTimeoutMs} ms). ` +
        'Check that the server is not overloaded or stopped, or raise commandTimeoutMs.',
      options,
    );
  }

  if (CONNECTION_FAILURE.test(err.message) || err.name === 'MaxRetriesPerRequestError') {
    // ioredis's own text ("max retries per request...") hides the reason;
    // the last connection error (ECONNREFUSED...) names it.
    const detail = context.lastConnectionError?.message ?? err.message;
    return new RedisConnectorError(
      address,
      `${what} failed: could not reach the server (${detail}). ` +
        'Check that redis-server is running and reachable at that address.',
      options,
    );
  }

  return new RedisConnectorError(address, `${what} failed: ${err.message}`, options);
}

/** The connector was used after `close()`. */
export function closedError(address: string, command: string): RedisConnectorError {
  return new RedisConnectorError(
    address,
    `Cannot run ${command} on the Redis connector for ${address}: it is closed. ` +
      'Create a new connector (or store) to keep using the server.',
    { command },
  );
}
