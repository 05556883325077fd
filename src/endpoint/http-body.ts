/**
 * Request and response bodies of the endpoint server: binary in, binary out,
 * never through strings or JSON, and never more than the object size limit
 * held for one request.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

import { EndpointRequestError, tooLarge } from './request-error.js';

/**
 * The declared body length, or `undefined` for a chunked body.
 *
 * @throws {@link EndpointRequestError} 400 for a malformed header, 413 for a
 * length over `limit` (before any of the body is read).
 */
export function declaredLength(
  req: IncomingMessage,
  limit: number,
): number | undefined {
  const header = req.headers['content-length'];
  if (header === undefined) return undefined;

  if (!/^\d{1,16}$/.test(header)) {
    throw new EndpointRequestError(
      400,
      `The Content-Length header (${JSON.stringify(header)}) is not a ` +
        'byte count.',
    );
  }
  const length = Number(header);
  if (length > limit) throw tooLarge(length, limit);
  return length;
}

/**
 * Reads a request body into one Buffer that owns its memory. With a
 * Content-Length, the buffer is allocated once and filled in place; a
 * chunked body is counted as it arrives and refused with 413 as soon as it
 * passes `limit` (the rest is then discarded, not kept).
 */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const length = declaredLength(req, limit);

  return new Promise((resolve, reject) => {
    let target =
      length === undefined ? undefined : Buffer.allocUnsafeSlow(length);
    let chunks: Buffer[] = [];
    let received = 0;
    let failed = false;

    const fail = (err: Error): void => {
      if (failed) return;
      failed = true;
      target = undefined;
      chunks = [];
      reject(err);
    };

    req.on('data', (chunk: Buffer) => {
      if (failed) return;

      received += chunk.byteLength;
      if (received > limit) {
        fail(tooLarge(`more than ${limit}`, limit));
      } else if (target !== undefined) {
        chunk.copy(target, received - chunk.byteLength);
      } else {
        chunks.push(chunk);
      }
    });

    req.on('end', () => {
      if (failed) return;
      if (target !== undefined) {
        resolve(target);
        return;
      }
      const whole = Buffer.allocUnsafeSlow(received);
      let offset = 0;
      for (const chunk of chunks) {
        chunk.copy(whole, offset);
        offset += chunk.byteLength;
      }
      resolve(whole);
    });

    const ended = (): void => {
      if (!req.complete) {
        fail(
          new EndpointRequestError(
            400,
            `The request body ended after ${received} bytes, before it ` +
              'was complete.',
          ),
        );
      }
    };
    req.on('error', ended);
    req.on('close', ended);
  });
}

/** Sends a text response (UTF-8) with the given status. */
export function sendText(
  res: ServerResponse,
  status: number,
  text: string,
  headers: Record<string, string> = {},
): void {
  const body = Buffer.from(text, 'utf8');
  res.writeHead(status, {
    ...headers,
    'Content-Type': 'text/plain; charset=utf-8',
    'Content-Length': String(body.byteLength),
  });
  res.end(body);
}

/** Sends a small JSON response with status 200. */
export function sendJson(res: ServerResponse, value: unknown): void {
  const body = Buffer.from(JSON.stringify(value), 'utf8');
  res.writeHead(200, {
    'Content-Type': 'application/json',
    'Content-Length': String(body.byteLength),
  });
  res.end(body);
}
