import { DimFrameError } from '../errors.js';
import { asBuffer } from './chunking.js';

/**
 * Request and response messages of the DIM servers, in a small binary
 * layout: payload bytes are never put through JSON or any codec.
 *
 * A message is a list of parts (a header, then the bytes) so that senders
 * need not copy the object's bytes; {@link splitMessage} in `chunking.ts`
 * cuts it into chunks.
 *
 * Request: version u8, op u8, idLength u16 (LE), reserved u32, the object id
 * in UTF-8 padded with zeros to a multiple of 8, then the data (put only).
 * Response: version u8, status u8, reserved 6 bytes, then the object's bytes
 * (`ok` of a get) or a UTF-8 error message (`error`). Both headers are a
 * multiple of 8 bytes, so the data keeps an 8-byte alignment when the
 * message buffer has it.
 */

/** Operations a DIM server answers. */
export type DimOp = 'get' | 'put' | 'exists' | 'evict' | 'ping';

/** A request to a DIM server. */
export interface DimRequest {
  readonly op: DimOp;
  /** Object id (empty for `ping`). */
  readonly id: string;
  /** The bytes to store (`put` only). */
  readonly data?: Uint8Array | undefined;
}

/** A DIM server's answer. */
export type DimResponse =
  /** Done; `data` holds the object for a `get`. */
  | { readonly status: 'ok'; readonly data?: Uint8Array | undefined }
  /** `get` of an id the server does not hold. */
  | { readonly status: 'missing' }
  /** Answer of `exists`. */
  | { readonly status: 'exists'; readonly exists: boolean }
  /** The request failed on the server; `message` says why. */
  | { readonly status: 'error'; readonly message: string };

const VERSION = 1;
const HEADER_LENGTH = 8;
const MAX_ID_LENGTH = 0xffff;

/**
 * Most bytes a request carries besides its object: the header and the
 * longest (padded) id. A server that accepts objects of up to N bytes
 * accepts requests of up to N + REQUEST_ENVELOPE_BYTES (then checks N).
 */
export const REQUEST_ENVELOPE_BYTES = HEADER_LENGTH + Math.ceil(MAX_ID_LENGTH / 8) * 8;

/** Bytes a response carries besides its object (the header). */
export const RESPONSE_ENVELOPE_BYTES = HEADER_LENGTH;

const OPS: readonly DimOp[] = ['get', 'put', 'exists', 'evict', 'ping'];
const OP_CODES: Record<DimOp, number> = {
  get: 1,
  put: 2,
  exists: 3,
  evict: 4,
  ping: 5,
};

const STATUS_OK = 0;
const STATUS_MISSING = 1;
const STATUS_TRUE = 2;
const STATUS_FALSE = 3;
const STATUS_ERROR = 4;

/** The parts of a request message (the data is not copied). */
export function encodeRequest(request: DimRequest): Uint8Array[] {
  const idLength = Buffer.byteLength(request.id, 'utf8');
  if (idLength > MAX_ID_LENGTH) {
    throw new DimFrameError(
      `Object id is ${idLength} bytes long; a DIM request carries at ` +
        `most ${MAX_ID_LENGTH}.`,
    );
  }
  const padded = Math.ceil(idLength / 8) * 8;
  const head = Buffer.allocUnsafe(HEADER_LENGTH + padded).fill(0);

  head[0] = VERSION;
  head[1] = OP_CODES[request.op];
  head.writeUInt16LE(idLength, 2);
  head.write(request.id, HEADER_LENGTH, 'utf8');

  const data = request.op === 'put' ? request.data : undefined;
  return data === undefined || data.byteLength === 0 ? [head] : [head, data];
}

/**
 * Reads a request from a message's parts.
 *
 * @throws {@link DimFrameError} when the message is not a valid request.
 */
export function decodeRequest(parts: readonly Uint8Array[]): DimRequest {
  const first = front(parts, HEADER_LENGTH, 'request');
  checkVersion(first, 'request');
  const op = OPS.find((o) => OP_CODES[o] === first[1]);
  if (op === undefined) {
    throw new DimFrameError(`Unknown DIM request op code ${String(first[1])}.`);
  }

  const idLength = (first[2] as number) | ((first[3] as number) << 8);
  const headLength = HEADER_LENGTH + Math.ceil(idLength / 8) * 8;
  const head = front(parts, headLength, 'request');
  const id = asBuffer(head).toString('utf8', HEADER_LENGTH, HEADER_LENGTH + idLength);

  if (op !== 'put') return { op, id };
  return { op, id, data: rest(parts, headLength) };
}

/**
 * Response headers by status code; shared and constant (senders copy them
 * into their first chunk message and never write to them).
 */
const RESPONSE_HEADS = [0, 1, 2, 3, 4].map((status) => {
  const head = Buffer.alloc(HEADER_LENGTH);
  head[0] = VERSION;
  head[1] = status;
  return head;
});

function responseHead(status: number): Uint8Array {
  return RESPONSE_HEADS[status] as Uint8Array;
}

/** The parts of a response message (the data is not copied). */
export function encodeResponse(response: DimResponse): Uint8Array[] {
  switch (response.status) {
    case 'ok': {
      const head = responseHead(STATUS_OK);
      const data = response.data;
      return data === undefined || data.byteLength === 0 ? [head] : [head, data];
    }
    case 'missing':
      return [responseHead(STATUS_MISSING)];
    case 'exists':
      return [responseHead(response.exists ? STATUS_TRUE : STATUS_FALSE)];
    case 'error':
      return [responseHead(STATUS_ERROR), Buffer.from(response.message, 'utf8')];
  }
}

/**
 * Reads a response from a message's parts. The data of an `ok` answer is a
 * view of the received bytes when they are contiguous (no copy).
 *
 * @throws {@link DimFrameError} when the message is not a valid response.
 */
export function decodeResponse(parts: readonly Uint8Array[]): DimResponse {
  const head = front(parts, HEADER_LENGTH, 'response');
  checkVersion(head, 'response');

  switch (head[1]) {
    case STATUS_OK:
      return { status: 'ok', data: rest(parts, HEADER_LENGTH) };
    case STATUS_MISSING:
      return { status: 'missing' };
    case STATUS_TRUE:
      return { status: 'exists', exists: true };
    case STATUS_FALSE:
      return { status: 'exists', exists: false };
    case STATUS_ERROR: {
      const text = Buffer.from(rest(parts, HEADER_LENGTH)).toString('utf8');
      return { status: 'error', message: text };
    }
    default:
      throw new DimFrameError(`Unknown DIM response status ${String(head[1])}.`);
  }
}

function checkVersion(head: Uint8Array, what: string): void {
  if (head[0] !== VERSION) {
    throw new DimFrameError(
      `DIM ${what} has protocol version ${String(head[0])}, expected ` +
        `${VERSION}; both peers must run the same ProxyStore version.`,
    );
  }
}

/** The first `length` bytes of the parts, copied only if they span parts. */
function front(
  parts: readonly Uint8Array[],
  length: number,
  what: string,
): Uint8Array {
  const first = parts[0];
  if (first !== undefined && first.byteLength >= length) {
    return first.subarray(0, length);
  }

  const total = parts.reduce((sum, p) => sum + p.byteLength, 0);
  if (total < length) {
    throw new DimFrameError(
      `DIM ${what} is ${total} bytes, shorter than its ${length}-byte header.`,
    );
  }
  return Buffer.concat(parts, total).subarray(0, length);
}

/** Everything after the first `skip` bytes; a view when it is contiguous. */
function rest(parts: readonly Uint8Array[], skip: number): Uint8Array {
  const tail: Uint8Array[] = [];
  let left = skip;
  for (const part of parts) {
    if (left >= part.byteLength) {
      left -= part.byteLength;
      continue;
    }
    tail.push(left > 0 ? part.subarray(left) : part);
    left = 0;
  }

  if (tail.length === 1) return tail[0] as Uint8Array;
  if (tail.length === 0) return new Uint8Array(0);
  return Buffer.concat(tail);
}
