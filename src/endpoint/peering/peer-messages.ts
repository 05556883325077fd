/**
 * The request/response messages endpoints exchange over a peer connection.
 * A message is a 4-byte big-endian header length, a small JSON header (the
 * operation, key, request id and status), then the object's bytes as they
 * are: binary payloads never go through JSON.
 */
import { ProxyStoreError } from '../../errors.js';

/** A store operation one endpoint asks another endpoint to perform. */
export interface PeerRequest {
  op: 'get' | 'set' | 'exists' | 'evict';
  key: string;
  data?: Uint8Array;
}

/** The answer to a {@link PeerRequest}. */
export type PeerResponse =
  | { ok: true; data?: Uint8Array | null; exists?: boolean }
  | { ok: false; status: number; message: string };

/** A decoded peer message. */
export type PeerEnvelope =
  | { kind: 'request'; id: number; request: PeerRequest }
  | { kind: 'response'; id: number; response: PeerResponse };

/** A peer message that cannot be decoded (internal to peering). */
export class PeerMessageError extends ProxyStoreError {
  override readonly name = 'PeerMessageError';
}

/** Whether the bytes after the header are absent, a `null`, or the data. */
type Body = 'none' | 'null' | 'bytes';

interface Header {
  kind: 'request' | 'response';
  id: number;
  body: Body;
  op?: PeerRequest['op'];
  key?: string;
  ok?: boolean;
  exists?: boolean;
  status?: number;
  message?: string;
}

const OPS = new Set(['get', 'set', 'exists', 'evict']);

/** Encodes a request as parts to send back to back (the data is not copied). */
export function encodeRequest(id: number, request: PeerRequest): Uint8Array[] {
  const header: Header = {
    kind: 'request',
    id,
    op: request.op,
    key: request.key,
    body: request.data === undefined ? 'none' : 'bytes',
  };
  return withBody(header, request.data);
}

/** Encodes a response as parts to send back to back. */
export function encodeResponse(id: number, response: PeerResponse): Uint8Array[] {
  if (!response.ok) {
    const header: Header = {
      kind: 'response',
      id,
      body: 'none',
      ok: false,
      status: response.status,
      message: response.message,
    };
    return withBody(header, undefined);
  }

  const data = response.data;
  const header: Header = {
    kind: 'response',
    id,
    ok: true,
    body: data === undefined ? 'none' : data === null ? 'null' : 'bytes',
  };
  if (response.exists !== undefined) header.exists = response.exists;
  return withBody(header, data ?? undefined);
}

/**
 * Decodes one message. The data of the result is a view of `message`, not a
 * copy.
 *
 * @throws {@link PeerMessageError} when the message is malformed.
 */
export function decodePeerMessage(message: Buffer): PeerEnvelope {
  if (message.length < 4) {
    throw new PeerMessageError(
      `A peer message of ${message.length} bytes has no header.`,
    );
  }
  const headerLength = message.readUInt32BE(0);
  if (4 + headerLength > message.length) {
    throw new PeerMessageError('A peer message is shorter than its header says.');
  }

  let header: Header;
  try {
    header = JSON.parse(message.toString('utf8', 4, 4 + headerLength)) as Header;
  } catch (error) {
    throw new PeerMessageError('A peer message header is not JSON.', {
      cause: error,
    });
  }
  const valid = typeof header === 'object' && header !== null;
  if (!valid || !Number.isInteger(header.id)) {
    throw new PeerMessageError('A peer message header has no request id.');
  }

  const bytes = message.subarray(4 + headerLength);
  let data: Buffer | null | undefined;
  if (header.body === 'bytes') data = bytes;
  else if (header.body === 'null') data = null;

  if (header.kind === 'request') {
    return { kind: 'request', id: header.id, request: toRequest(header, data) };
  }
  if (header.kind === 'response') {
    return { kind: 'response', id: header.id, response: toResponse(header, data) };
  }
  throw new PeerMessageError(
    `Unknown peer message kind ${JSON.stringify(header.kind)}.`,
  );
}

function toRequest(header: Header, data: Buffer | null | undefined): PeerRequest {
  if (!OPS.has(header.op as string) || typeof header.key !== 'string') {
    throw new PeerMessageError(
      `Peer request ${header.id} has no valid operation and key.`,
    );
  }
  const request: PeerRequest = {
    op: header.op as PeerRequest['op'],
    key: header.key,
  };
  if (data !== undefined && data !== null) request.data = data;
  return request;
}

function toResponse(header: Header, data: Buffer | null | undefined): PeerResponse {
  if (header.ok !== true) {
    return {
      ok: false,
      status: typeof header.status === 'number' ? header.status : 500,
      message:
        typeof header.message === 'string' ? header.message : 'Unknown error.',
    };
  }

  const response: PeerResponse = { ok: true };
  if (data !== undefined) response.data = data;
  if (typeof header.exists === 'boolean') response.exists = header.exists;
  return response;
}

function withBody(header: Header, data: Uint8Array | undefined): Uint8Array[] {
  const json = Buffer.from(JSON.stringify(header));
  const prefix = Buffer.allocUnsafe(4 + json.length);
  prefix.writeUInt32BE(json.length, 0);
  json.copy(prefix, 4);
  return data === undefined ? [prefix] : [prefix, data];
}
