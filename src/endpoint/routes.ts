/**
 * The endpoint's REST routes (the same routes and query parameters as
 * upstream ProxyStore's endpoint, so either language's client can use it):
 *
 * | Route           | Answer                                              |
 * | --------------- | --------------------------------------------------- |
 * | `GET /`         | 200, empty (health check, no token needed)          |
 * | `GET /endpoint` | 200 JSON `{"uuid": ..., "name": ...}`               |
 * | `POST /set`     | 200 empty; body = the object's bytes                |
 * | `GET /get`      | 200 octet-stream, or 404 when the key is missing    |
 * | `GET /exists`   | 200 JSON `{"exists": bool}`                         |
 * | `POST /evict`   | 200 empty (a missing key is fine)                   |
 *
 * Object routes take `key` and optionally `endpoint` (the owning endpoint's
 * id) as query parameters. Failures answer 400 (bad request), 401 (token),
 * 404 (missing key, and only that), 405 (method), 413 (object over the
 * limit) or 500 (server or peer fault), each with a one-sentence text body.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { pipeline } from 'node:stream/promises';

import { isObjectId } from '../utils/uuid.js';
import { MAX_KEY_LENGTH } from './constants.js';
import type { Endpoint } from './endpoint.js';
import { declaredLength, readBody, sendJson, sendText } from './http-body.js';
import { EndpointRequestError } from './request-error.js';

/** Chunk size when streaming an object from disk. */
const READ_CHUNK = 1024 * 1024;

/** What a route handler gets. */
export interface RouteContext {
  endpoint: Endpoint;
  req: IncomingMessage;
  res: ServerResponse;
  query: URLSearchParams;
  /**
   * The client sent `Expect: 100-continue` and still waits for it; set to
   * false once the handler has sent it.
   */
  expectsContinue: boolean;
}

export type RouteHandler = (ctx: RouteContext) => Promise<void>;

/** Handlers of one path, by method. */
type Methods = Readonly<Record<string, RouteHandler>>;

/** Routes by path, then method. */
export const ROUTES: ReadonlyMap<string, Methods> = new Map<string, Methods>([
  ['/', { GET: home }],
  ['/endpoint', { GET: identity }],
  ['/set', { POST: set }],
  ['/get', { GET: get }],
  ['/exists', { GET: exists }],
  ['/evict', { POST: evict }],
]);

async function home({ res }: RouteContext): Promise<void> {
  sendText(res, 200, '');
}

async function identity({ endpoint, res }: RouteContext): Promise<void> {
  sendJson(res, { uuid: endpoint.uuid, name: endpoint.name });
}

async function set(ctx: RouteContext): Promise<void> {
  const { endpoint, req, res } = ctx;
  const { key, owner } = objectParams(ctx.query);

  declaredLength(req, endpoint.maxObjectSize);
  if (ctx.expectsContinue) {
    res.writeContinue();
    ctx.expectsContinue = false;
  }

  // TODO(endpoint-memory): uploads in flight are not counted against a
  // budget, so N concurrent uploads may hold N x maxObjectSize bytes.
  const data = await readBody(req, endpoint.maxObjectSize);
  await endpoint.set(key, data, owner);
  sendText(res, 200, '');
}

async function get(ctx: RouteContext): Promise<void> {
  const { endpoint, res } = ctx;
  const { key, owner } = objectParams(ctx.query);

  const found = await endpoint.get(key, owner);
  if (found === null) {
    throw new EndpointRequestError(
      404,
      `No object is stored under key '${key}'.`,
    );
  }

  if (found.kind === 'memory') {
    res.writeHead(200, octetStream(found.data.byteLength));
    res.end(found.data);
    return;
  }

  const stream = found.handle.createReadStream({
    autoClose: true,
    highWaterMark: READ_CHUNK,
  });
  res.writeHead(200, octetStream(found.size));
  try {
    await pipeline(stream, res);
  } catch (err) {
    res.destroy(err as Error);
    await found.handle.close().catch(() => undefined);
  }
}

async function exists(ctx: RouteContext): Promise<void> {
  const { key, owner } = objectParams(ctx.query);
  const found = await ctx.endpoint.exists(key, owner);
  sendJson(ctx.res, { exists: found });
}

async function evict(ctx: RouteContext): Promise<void> {
  const { key, owner } = objectParams(ctx.query);
  await ctx.endpoint.evict(key, owner);
  sendText(ctx.res, 200, '');
}

function octetStream(size: number): Record<string, string> {
  return {
    'Content-Type': 'application/octet-stream',
    'Content-Length': String(size),
  };
}

/**
 * The `key` and `endpoint` query parameters.
 *
 * @throws {@link EndpointRequestError} 400 when `key` is missing or too long,
 * or `endpoint` is not a UUID.
 */
function objectParams(query: URLSearchParams): {
  key: string;
  owner: string | undefined;
} {
  const key = query.get('key');
  if (key === null || key === '') {
    throw new EndpointRequestError(
      400,
      'The request has no key: pass the object key as ?key=<key>.',
    );
  }
  if (key.length > MAX_KEY_LENGTH) {
    throw new EndpointRequestError(
      400,
      `The key is ${key.length} characters long; the limit is ` +
        `${MAX_KEY_LENGTH}.`,
    );
  }

  const raw = query.get('endpoint');
  if (raw === null || raw === '') return { key, owner: undefined };

  const owner = raw.toLowerCase();
  if (!isObjectId(owner)) {
    throw new EndpointRequestError(
      400,
      `The endpoint parameter (${JSON.stringify(raw)}) is not a valid UUID.`,
    );
  }
  return { key, owner };
}
