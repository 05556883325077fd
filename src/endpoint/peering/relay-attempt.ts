/**
 * One attempt of a relay client to open its WebSocket and register, and the
 * classification of how an attempt failed: fatal (never retried) or
 * transient (retried by the client with backoff).
 */
import type { LookupFunction } from 'node:net';

import type { WebSocket } from 'ws';

import { ProxyStoreError, RelayRegistrationError } from '../../errors.js';
import { logger } from '../../utils/debug.js';
import type { WsModule } from './optional-deps.js';
import {
  encodeRelayMessage,
  FATAL_CLOSE_CODES,
  MESSAGE_TOO_BIG,
  parseRelayMessage,
  type ErrorMessage,
  type RegisterMessage,
  type SignalMessage,
} from './relay-protocol.js';

const log = logger('relay:client');

/** Largest frame the client accepts from the relay. */
const MAX_RECEIVE_BYTES = 16 * 1024 * 1024;

/** How long a graceful close may take before the socket is cut. */
const CLOSE_GRACE_MS = 1000;

/** A transient failure of one attempt; the client retries it. */
export class AttemptError extends ProxyStoreError {
  override readonly name = 'AttemptError';
}

/** What one attempt needs, and where it reports. */
export interface AttemptOptions {
  address: string;
  id: string;
  name: string | undefined;
  token: string | undefined;
  lookup: LookupFunction | undefined;
  /** Bound on opening the socket plus registering. */
  timeoutMs: number;
  /** Aborting cuts the socket of an attempt still registering. */
  signal: AbortSignal;
  /** Registered: called before any later frame is delivered. */
  onRegistered: (socket: WebSocket, maxMessageBytes: number) => void;
  /** A signal or error frame after registration. */
  onMessage: (message: SignalMessage | ErrorMessage) => void;
  /** The registered socket closed. */
  onLost: (socket: WebSocket, code: number, reason: string) => void;
}

/**
 * Opens a socket and registers. Resolves once registered; later frames and
 * the eventual close go to the hooks.
 *
 * @throws {@link RelayRegistrationError} for a fatal refusal.
 * @throws {@link AttemptError} for a transient failure.
 */
export function attemptRegistration(
  ws: WsModule,
  options: AttemptOptions,
): Promise<void> {
  const headers: Record<string, string> = {};
  if (options.token !== undefined) {
    headers['Authorization'] = `Bearer ${options.token}`;
  }
  const socket = new ws.WebSocket(options.address, {
    headers,
    perMessageDeflate: false,
    maxPayload: MAX_RECEIVE_BYTES,
    handshakeTimeout: options.timeoutMs,
    ...(options.lookup === undefined ? {} : { lookup: options.lookup }),
  });

  return new Promise((resolve, reject) => {
    let registered = false;
    let lastError: Error | undefined;
    let httpStatus: number | undefined;

    const timer = setTimeout(() => {
      lastError = new AttemptError(
        `no registration reply within ${options.timeoutMs} ms`,
      );
      socket.terminate();
    }, options.timeoutMs);
    const onAbort = () => socket.terminate();
    options.signal.addEventListener('abort', onAbort, { once: true });
    const settle = () => {
      clearTimeout(timer);
      options.signal.removeEventListener('abort', onAbort);
    };

    socket.on('error', (error) => {
      lastError = error;
    });
    socket.on('unexpected-response', (request, response) => {
      httpStatus = response.statusCode;
      request.destroy();
    });
    socket.on('open', () => {
      const message: RegisterMessage = { type: 'register', id: options.id };
      if (options.name !== undefined) message.name = options.name;
      socket.send(encodeRelayMessage(message));
    });

    socket.on('message', (data, isBinary) => {
      const message = parseFrame(data, isBinary);
      if (message === undefined) return;

      if (registered) {
        if (message.type === 'register' || message.type === 'registered') {
          log('ignored a %s frame from the relay', message.type);
        } else {
          options.onMessage(message);
        }
        return;
      }

      if (message.type !== 'registered') {
        lastError = new AttemptError(
          `unexpected ${message.type} before registration`,
        );
        socket.terminate();
        return;
      }
      registered = true;
      settle();
      options.onRegistered(socket, message.maxMessageBytes);
      resolve();
    });

    socket.on('close', (code, reasonBytes) => {
      settle();
      const reason = reasonBytes.toString();
      if (registered) {
        options.onLost(socket, code, reason);
        return;
      }
      const failure = { code, reason, httpStatus, lastError };
      reject(classifyFailure(options.address, failure));
    });
  });
}

/** Closes a socket gracefully, cutting it if the peer does not answer. */
export async function closeSocket(socket: WebSocket): Promise<void> {
  if (socket.readyState === socket.CLOSED) return;

  const closed = new Promise((resolve) => socket.once('close', resolve));
  socket.close(1000, 'Client closing.');
  const grace = new Promise((resolve) => {
    setTimeout(resolve, CLOSE_GRACE_MS).unref();
  });
  await Promise.race([closed, grace]);
  socket.terminate();
}

function parseFrame(
  data: unknown,
  isBinary: boolean,
): ReturnType<typeof parseRelayMessage> | undefined {
  if (isBinary) {
    log('ignored a binary frame from the relay');
    return undefined;
  }
  try {
    return parseRelayMessage(String(data));
  } catch (error) {
    log('ignored a bad frame from the relay: %s', (error as Error).message);
    return undefined;
  }
}

interface Failure {
  code: number;
  reason: string;
  httpStatus: number | undefined;
  lastError: Error | undefined;
}

/** Fatal closes and HTTP 4xx are final; everything else is transient. */
function classifyFailure(address: string, failure: Failure): Error {
  const { code, reason, httpStatus, lastError } = failure;
  if (FATAL_CLOSE_CODES.has(code) || code === MESSAGE_TOO_BIG) {
    return new RelayRegistrationError(address, code, reason);
  }
  if (httpStatus !== undefined && httpStatus >= 400 && httpStatus < 500) {
    return new RelayRegistrationError(
      address,
      httpStatus,
      `HTTP ${httpStatus} on the WebSocket upgrade`,
    );
  }

  let detail = `closed with ${code}${reason === '' ? '' : ` (${reason})`}`;
  if (httpStatus !== undefined) detail = `HTTP ${httpStatus}`;
  else if (lastError !== undefined) detail = describeError(lastError);
  return new AttemptError(detail, { cause: lastError });
}

function describeError(error: Error): string {
  const code = (error as NodeJS.ErrnoException).code;
  return code === undefined ? error.message : `${code}: ${error.message}`;
}
