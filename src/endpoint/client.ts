/**
 * HTTP client of one endpoint's REST API (node:http, keep-alive). Bodies go
 * out as Buffers and come back into one preallocated Buffer; any answer but
 * success becomes an {@link EndpointConnectorError} with the status and the
 * server's text.
 */
import {
  Agent,
  request,
  type IncomingMessage,
  type OutgoingHttpHeaders,
} from 'node:http';

import { EndpointConnectorError } from '../errors.js';

/**
 * Bodies at least this large wait for `100 Continue`, so that an oversized
 * one is refused before it is sent.
 */
const EXPECT_CONTINUE_MIN = 1024 * 1024;

/** Longest error text read from a failed response. */
const MAX_ERROR_TEXT = 64 * 1024;

/** Default socket inactivity timeout of a request: 5 minutes. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 300_000;

/** Options of {@link EndpointClient}. */
export interface EndpointClientOptions {
  /** Host to connect to. */
  host: string;
  port: number;
  /** Access token, if the endpoint requires one. */
  token?: string | undefined;
  /** Socket inactivity timeout per request. @defaultValue 5 minutes */
  timeoutMs?: number | undefined;
}

interface Call {
  method: 'GET' | 'POST';
  path: string;
  query?: Record<string, string | undefined>;
  body?: Uint8Array;
}

interface Reply {
  status: number;
  body: Buffer;
}

export class EndpointClient {
  /** `http://host:port` of the endpoint. */
  readonly address: string;
  readonly #options: EndpointClientOptions;
  readonly #agent: Agent;

  constructor(options: EndpointClientOptions) {
    this.#options = options;
    const host = options.host.includes(':')
      ? `[${options.host}]`
      : options.host;
    this.address = `http://${host}:${options.port}`;
    this.#agent = new Agent({ keepAlive: true, scheduling: 'lifo' });
  }

  /** The endpoint's id and name (`GET /endpoint`). */
  async identity(): Promise<{ uuid: string; name?: string }> {
    const reply = await this.#ok({ method: 'GET', path: '/endpoint' });
    return JSON.parse(reply.body.toString('utf8')) as { uuid: string };
  }

  /** The bytes under `key`, or `null` when the endpoint answers 404. */
  async get(key: string, endpointId?: string): Promise<Buffer | null> {
    const call: Call = {
      method: 'GET',
      path: '/get',
      query: { key, endpoint: endpointId },
    };
    const reply = await this.#call(call);
    if (reply.status === 404) return null;
    return this.#check(call, reply).body;
  }

  /** Stores `data` under `key`. */
  async set(key: string, data: Uint8Array, endpointId?: string): Promise<void> {
    await this.#ok({
      method: 'POST',
      path: '/set',
      query: { key, endpoint: endpointId },
      body: data,
    });
  }

  /** Whether an object exists under `key`. */
  async exists(key: string, endpointId?: string): Promise<boolean> {
    const reply = await this.#ok({
      method: 'GET',
      path: '/exists',
      query: { key, endpoint: endpointId },
    });
    const text = reply.body.toString('utf8');
    const parsed = JSON.parse(text) as { exists?: unknown };
    return parsed.exists === true;
  }

  /** Removes the object under `key`. */
  async evict(key: string, endpointId?: string): Promise<void> {
    await this.#ok({
      method: 'POST',
      path: '/evict',
      query: { key, endpoint: endpointId },
    });
  }

  /** Closes pooled connections. Idempotent. */
  close(): void {
    this.#agent.destroy();
  }

  async #ok(call: Call): Promise<Reply> {
    return this.#check(call, await this.#call(call));
  }

  #check(call: Call, reply: Reply): Reply {
    if (reply.status === 200) return reply;

    const text = reply.body.toString('utf8').trim();
    throw new EndpointConnectorError(
      `${call.method} ${call.path} on the endpoint at ${this.address} ` +
        `failed with status ${reply.status}: ${text || '(no message)'}`,
      { status: reply.status, serverMessage: text, address: this.address },
    );
  }

  /** Sends a call; retries once when a reused keep-alive socket was reset. */
  async #call(call: Call): Promise<Reply> {
    try {
      return await this.#send(call);
    } catch (err) {
      if (!(err instanceof StaleSocketError)) throw err;
      return this.#send(call);
    }
  }

  #send(call: Call): Promise<Reply> {
    const params = new URLSearchParams();
    for (const [name, value] of Object.entries(call.query ?? {})) {
      if (value !== undefined) params.set(name, value);
    }
    const search = params.size > 0 ? `?${params.toString()}` : '';

    const headers: OutgoingHttpHeaders = {};
    if (this.#options.token !== undefined) {
      headers['Authorization'] = `Bearer ${this.#options.token}`;
    }
    const body = call.body;
    const waitContinue =
      body !== undefined && body.byteLength >= EXPECT_CONTINUE_MIN;
    if (body !== undefined) {
      headers['Content-Type'] = 'application/octet-stream';
      headers['Content-Length'] = String(body.byteLength);
    }
    if (waitContinue) headers['Expect'] = '100-continue';

    const timeoutMs = this.#options.timeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    return new Promise<Reply>((resolve, reject) => {
      let answered = false;
      const req = request({
        agent: this.#agent,
        host: this.#options.host,
        port: this.#options.port,
        method: call.method,
        path: `${call.path}${search}`,
        headers,
        timeout: timeoutMs,
      });

      req.on('response', (res) => {
        answered = true;
        readReply(res, res.statusCode === 200 ? Infinity : MAX_ERROR_TEXT).then(
          (buf) => {
            // A final answer to a waiting upload: the body was never sent.
            if (waitContinue && !req.writableFinished) req.destroy();
            resolve({ status: res.statusCode ?? 0, body: buf });
          },
          (err: unknown) => reject(this.#networkError(call, err)),
        );
      });

      req.on('timeout', () => {
        req.destroy(new Error(`no data for ${timeoutMs} ms`));
      });

      req.on('error', (err: NodeJS.ErrnoException) => {
        if (answered) return;
        const stale = req.reusedSocket && err.code === 'ECONNRESET';
        reject(stale ? new StaleSocketError() : this.#networkError(call, err));
      });

      if (waitContinue) {
        req.on('continue', () => req.end(body));
      } else {
        req.end(body);
      }
    });
  }

  #networkError(call: Call, err: unknown): EndpointConnectorError {
    const why = err instanceof Error ? err.message : String(err);
    return new EndpointConnectorError(
      `${call.method} ${call.path} on the endpoint at ${this.address} ` +
        `failed: ${why}. Check that the endpoint is running ` +
        "('proxystore-endpoint list').",
      { cause: err, address: this.address },
    );
  }
}

/** A reused keep-alive socket was closed by the server before the request. */
class StaleSocketError extends Error {}

/**
 * Reads a response body into one Buffer (allocated once from
 * Content-Length); rejects if the connection ends before the body is
 * complete, or if the body exceeds `limit`.
 */
function readReply(res: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const header = res.headers['content-length'];
    const length = header === undefined ? undefined : Number(header);
    const target =
      length !== undefined && length <= limit
        ? Buffer.allocUnsafeSlow(length)
        : undefined;
    const chunks: Buffer[] = [];
    let received = 0;

    res.on('data', (chunk: Buffer) => {
      if (received + chunk.byteLength > limit) {
        res.destroy(new Error(`response body over ${limit} bytes`));
        return;
      }
      if (target !== undefined) chunk.copy(target, received);
      else chunks.push(chunk);
      received += chunk.byteLength;
    });

    res.on('end', () => {
      if (target !== undefined && received === target.byteLength) {
        resolve(target);
      } else if (target === undefined && length === undefined) {
        resolve(Buffer.concat(chunks, received));
      } else {
        const expected = String(length);
        reject(new Error(`body ended after ${received} of ${expected} bytes`));
      }
    });

    res.on('error', reject);
    res.on('close', () => {
      if (!res.complete) {
        reject(
          new Error(`connection closed after ${received} bytes of the body`),
        );
      }
    });
  });
}
