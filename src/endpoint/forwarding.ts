/**
 * The hook between an endpoint and its peers: requests for keys that another
 * endpoint owns go out over the peer link, and requests that peers send in
 * are answered from this endpoint's storage.
 */
import { logger } from '../utils/debug.js';
import { MAX_KEY_LENGTH } from './constants.js';
import type { PeerRequest, PeerResponse } from './peering/peer-manager.js';
import {
  EndpointRequestError,
  statusOf,
  tooLarge,
} from './request-error.js';

const log = logger('endpoint:forwarding');

/** Default time a forwarded request may take: 2 minutes. */
export const DEFAULT_FORWARD_TIMEOUT_MS = 120_000;

/**
 * What forwarding needs from a peer manager; `PeerManager` satisfies it, and
 * tests can pass a stand-in.
 */
export interface PeerLink {
  onRequest(
    handler: (fromId: string, req: PeerRequest) => Promise<PeerResponse>,
  ): void;
  request(
    peerId: string,
    req: PeerRequest,
    opts?: { timeoutMs?: number },
  ): Promise<PeerResponse>;
}

/** The local operations that peers' requests are answered with. */
export interface LocalOperations {
  get(key: string): Promise<Buffer | null>;
  set(key: string, data: Buffer): Promise<void>;
  exists(key: string): Promise<boolean>;
  evict(key: string): Promise<void>;
}

/** Sends store operations to peer endpoints and answers theirs. */
export class Forwarder {
  readonly #link: PeerLink;
  readonly #timeoutMs: number;

  constructor(link: PeerLink, timeoutMs = DEFAULT_FORWARD_TIMEOUT_MS) {
    this.#link = link;
    this.#timeoutMs = timeoutMs;
  }

  /** The bytes under `key` at endpoint `peerId`, or `null`. */
  async get(peerId: string, key: string): Promise<Buffer | null> {
    const res = await this.#send(peerId, { op: 'get', key });
    const data = res.data;
    if (data === undefined || data === null) return null;
    return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  }

  /** Stores `data` under `key` at endpoint `peerId`. */
  async set(peerId: string, key: string, data: Uint8Array): Promise<void> {
    await this.#send(peerId, { op: 'set', key, data });
  }

  /** Whether endpoint `peerId` has an object under `key`. */
  async exists(peerId: string, key: string): Promise<boolean> {
    const res = await this.#send(peerId, { op: 'exists', key });
    return res.exists === true;
  }

  /** Removes the object under `key` at endpoint `peerId`. */
  async evict(peerId: string, key: string): Promise<void> {
    await this.#send(peerId, { op: 'evict', key });
  }

  /** Answers peers' requests with `ops`, refusing objects over the limit. */
  serve(ops: LocalOperations, maxObjectSize: number): void {
    this.#link.onRequest(async (fromId, req) => {
      try {
        return await answer(ops, req, maxObjectSize);
      } catch (err) {
        const { status, message } = statusOf(err);
        log('request %s from %s failed: %s', req.op, fromId, message);
        return { ok: false, status, message };
      }
    });
  }

  async #send(
    peerId: string,
    req: PeerRequest,
  ): Promise<Extract<PeerResponse, { ok: true }>> {
    let res: PeerResponse;
    try {
      res = await this.#link.request(peerId, req, {
        timeoutMs: this.#timeoutMs,
      });
    } catch (err) {
      throw new EndpointRequestError(
        500,
        `Forwarding ${req.op} of key '${req.key}' to endpoint ${peerId} ` +
          `failed: ${err instanceof Error ? err.message : String(err)}`,
        { cause: err },
      );
    }
    if (res.ok) return res;

    const passThrough = res.status === 400 || res.status === 413;
    throw new EndpointRequestError(
      passThrough ? res.status : 500,
      `Endpoint ${peerId} refused ${req.op} of key '${req.key}' ` +
        `(status ${res.status}): ${res.message}`,
    );
  }
}

async function answer(
  ops: LocalOperations,
  req: PeerRequest,
  maxObjectSize: number,
): Promise<PeerResponse> {
  const key = req.key;
  if (typeof key !== 'string' || key === '' || key.length > MAX_KEY_LENGTH) {
    throw new EndpointRequestError(400, 'The peer request has no valid key.');
  }

  switch (req.op) {
    case 'get':
      return { ok: true, data: await ops.get(key) };
    case 'exists':
      return { ok: true, exists: await ops.exists(key) };
    case 'evict':
      await ops.evict(key);
      return { ok: true };
    case 'set': {
      const data = req.data;
      if (!(data instanceof Uint8Array)) {
        throw new EndpointRequestError(
          400,
          'The peer set request has no data.',
        );
      }
      if (data.byteLength > maxObjectSize) {
        throw tooLarge(data.byteLength, maxObjectSize);
      }
      await ops.set(key, ownBuffer(data));
      return { ok: true };
    }
    default:
      throw new EndpointRequestError(
        400,
        `Unknown peer operation ${JSON.stringify((req as { op: unknown }).op)}`,
      );
  }
}

/** A Buffer over `data` that owns its whole memory (copies views). */
function ownBuffer(data: Uint8Array): Buffer {
  const whole =
    data.byteOffset === 0 && data.byteLength === data.buffer.byteLength;
  return whole
    ? Buffer.from(data.buffer, 0, data.byteLength)
    : Buffer.from(data);
}
