import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';

import {
  DimConnectorError,
  DimFrameError,
  DimPeerUnavailableError,
  DimTimeoutError,
} from '../errors.js';
import type { DimTransportSettings } from './dim-config.js';
import { formatAddress } from './dim-key.js';
import { UCX_OPS } from './ucx-binding.js';
import { clearDeadline, setDeadline } from './ucx-deadlines.js';
import type { UcxAddon, UcxNativeError, UcxOp, UcxReply } from './ucx-binding.js';

const KIND = 'ucx';

/** Rate a request is allowed on top of its timeout: 1 s per 50 MB. */
const ALLOWED_BYTES_PER_MS = 50_000;

/** One request to a UCX DIM server. */
export interface UcxRequest {
  readonly host: string;
  readonly port: number;
  readonly op: UcxOp;
  /** Object id (empty for `ping`; the buffer's name for `raw`). */
  readonly id: string;
  /** The bytes of a `put`. */
  readonly data?: Uint8Array | undefined;
  /** Size of the answer expected (a key's size), to extend the deadline. */
  readonly expectedSize?: number | undefined;
}

/**
 * The IP address the addon needs for a host: the host itself when it is an
 * IP literal, else its first DNS answer.
 */
export async function ucxHostIp(host: string): Promise<string> {
  if (isIP(host) !== 0) return host;
  return (await lookup(host)).address;
}

/**
 * Sends one request and waits for its answer, for at most `timeoutMs`
 * plus one second per 50 MB moved; a late answer is dropped.
 *
 * @throws {@link DimPeerUnavailableError} when the peer is gone, refuses
 * the connection or drops it mid-request; {@link DimTimeoutError} when it
 * does not answer in time; {@link DimFrameError} for an oversized or
 * malformed message (only this request fails); {@link DimConnectorError}
 * when the peer reports a failure.
 */
export function ucxRequest(
  addon: UcxAddon,
  request: UcxRequest,
  settings: DimTransportSettings,
): Promise<UcxReply> {
  // IP literals (the usual case) skip the DNS step and its extra await.
  if (isIP(request.host) !== 0) return send(addon, request, request.host, settings);

  const address = formatAddress(request.host, request.port);
  return ucxHostIp(request.host).then(
    (ip) => send(addon, request, ip, settings),
    (cause: Error) => {
      throw new DimPeerUnavailableError(
        KIND,
        address,
        `Cannot resolve the host of the UCX peer at ${address}: ` +
          `${cause.message}.`,
        { cause },
      );
    },
  );
}

function send(
  addon: UcxAddon,
  request: UcxRequest,
  ip: string,
  settings: DimTransportSettings,
): Promise<UcxReply> {
  const address = formatAddress(request.host, request.port);
  const size = Math.max(request.expectedSize ?? 0, request.data?.byteLength ?? 0);
  const limitMs = settings.timeoutMs + size / ALLOWED_BYTES_PER_MS;

  return new Promise<UcxReply>((resolve, reject) => {
    let requestId: number;
    try {
      requestId = addon.request(
        ip,
        request.port,
        UCX_OPS[request.op],
        request.id,
        request.data ?? null,
        settings.maxMessageSize,
        settings.chunkSize,
        (error, value) => {
          clearDeadline(requestId);
          if (error === null) resolve(value);
          else reject(ucxError(error, address, request.op));
        },
      );
    } catch (error) {
      reject(ucxError(error as UcxNativeError, address, request.op));
      return;
    }

    setDeadline(requestId, limitMs, () => {
      addon.cancel(requestId);
      reject(
        new DimTimeoutError(
          KIND,
          address,
          limitMs,
          `The UCX peer at ${address} did not answer a ${request.op} request ` +
            `within ${Math.round(limitMs)} ms. The peer may be overloaded or ` +
            'hung; raise timeoutMs if it is only slow.',
        ),
      );
    });
  });
}

/** Turns an addon error into this package's typed error. */
export function ucxError(
  error: UcxNativeError,
  address: string,
  op: UcxOp | 'start' | 'stop',
): Error {
  const detail = error.message;
  switch (error.code) {
    case 'ERR_UCX_PEER':
      return new DimPeerUnavailableError(
        KIND,
        address,
        `Cannot reach the UCX peer at ${address}, or lost it during a ${op}: ` +
          `${detail} The process that holds the object may have exited or ` +
          'closed its store.',
        { cause: error },
      );
    case 'ERR_UCX_TOO_LARGE':
    case 'ERR_UCX_PROTOCOL':
      return new DimFrameError(
        `The ${op} request to the UCX peer at ${address} failed: ${detail} ` +
          (error.code === 'ERR_UCX_TOO_LARGE'
            ? 'Raise maxMessageSize on both sides if such objects are expected.'
            : 'Only this request failed.'),
        { cause: error },
      );
    default:
      return new DimConnectorError(
        KIND,
        address,
        `The ${op} request to the UCX peer at ${address} failed: ${detail}`,
        { cause: error },
      );
  }
}
