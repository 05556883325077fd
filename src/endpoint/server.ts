/**
 * The endpoint's HTTP server (node:http): dispatch, access token, early
 * refusal of oversized uploads, and an orderly close. The routes themselves
 * are in `routes.ts`.
 */
import { timingSafeEqual } from 'node:crypto';
import {
  createServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';

import { logger, warn } from '../utils/debug.js';
import { isLoopbackHost } from './config.js';
import type { Endpoint } from './endpoint.js';
import { sendText } from './http-body.js';
import { EndpointRequestError, statusOf } from './request-error.js';
import { ROUTES, type RouteContext } from './routes.js';

const log = logger('endpoint:server');

/** How long `close()` lets in-flight requests finish before cutting them. */
const CLOSE_GRACE_MS = 5_000;

/** Idle time after which the server closes a keep-alive connection. */
const KEEP_ALIVE_TIMEOUT_MS = 65_000;

/** Options of {@link EndpointServer}. */
export interface EndpointServerOptions {
  endpoint: Endpoint;
  /** Listen address. @defaultValue `'127.0.0.1'` */
  host?: string | undefined;
  /** Listen port; 0 picks a free one. @defaultValue `0` */
  port?: number | undefined;
  /** Access token clients must send as `Authorization: Bearer <token>`. */
  token?: string | undefined;
}

export class EndpointServer {
  readonly #endpoint: Endpoint;
  readonly #host: string;
  readonly #port: number;
  readonly #token: Buffer | undefined;
  readonly #server: Server;
  #closing: Promise<void> | undefined;

  constructor(options: EndpointServerOptions) {
    this.#endpoint = options.endpoint;
    this.#host = options.host ?? '127.0.0.1';
    this.#port = options.port ?? 0;
    this.#token =
      options.token === undefined ? undefined : Buffer.from(options.token);

    this.#server = createServer({ keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS });
    this.#server.on('request', (req, res) => {
      void this.#handle(req, res, false);
    });
    this.#server.on('checkContinue', (req, res) => {
      void this.#handle(req, res, true);
    });
  }

  /** Starts listening; resolves with the bound address. */
  async listen(): Promise<AddressInfo> {
    if (this.#token === undefined && !isLoopbackHost(this.#host)) {
      warn(
        'PROXYSTORE_ENDPOINT_NO_TOKEN',
        `Endpoint '${this.#endpoint.name}' listens on ${this.#host} without ` +
          'an access token, so anyone who can reach it can read and write ' +
          'its objects. Set a token with --token.',
      );
    }

    await new Promise<void>((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(this.#port, this.#host, () => {
        this.#server.off('error', reject);
        resolve();
      });
    });

    const address = this.address();
    log('listening on %s:%d', address.address, address.port);
    return address;
  }

  /** The bound address (after `listen`). */
  address(): AddressInfo {
    return this.#server.address() as AddressInfo;
  }

  /**
   * Stops accepting connections, lets requests in flight finish for a few
   * seconds, then cuts the rest. Idempotent.
   */
  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  async #close(): Promise<void> {
    if (!this.#server.listening) return;

    const closed = new Promise<void>((resolve) => {
      this.#server.close(() => resolve());
    });
    this.#server.closeIdleConnections();

    const grace = setTimeout(() => {
      this.#server.closeAllConnections();
    }, CLOSE_GRACE_MS);
    try {
      await closed;
    } finally {
      clearTimeout(grace);
    }
  }

  async #handle(
    req: IncomingMessage,
    res: ServerResponse,
    expectsContinue: boolean,
  ): Promise<void> {
    const ctx: RouteContext = {
      endpoint: this.#endpoint,
      req,
      res,
      query: new URLSearchParams(),
      expectsContinue,
    };

    try {
      const url = new URL(req.url ?? '/', 'http://endpoint');
      const handler = this.#route(url.pathname, req.method ?? 'GET');
      if (url.pathname !== '/') this.#authorize(req);

      ctx.query = url.searchParams;
      await handler(ctx);
    } catch (err) {
      this.#fail(ctx, err);
    }
  }

  #route(path: string, method: string) {
    const methods = ROUTES.get(path);
    if (methods === undefined) {
      throw new EndpointRequestError(
        400,
        `Unknown route ${JSON.stringify(path)}: this endpoint serves ` +
          `${[...ROUTES.keys()].join(', ')}.`,
      );
    }

    const handler = methods[method];
    if (handler === undefined) {
      throw new EndpointRequestError(
        405,
        `Route ${path} takes ${Object.keys(methods).join(', ')}, ` +
          `not ${method}.`,
      );
    }
    return handler;
  }

  #authorize(req: IncomingMessage): void {
    if (this.#token === undefined) return;

    const header = req.headers.authorization ?? '';
    const given = Buffer.from(header.replace(/^Bearer\s+/i, ''));
    const ok =
      given.byteLength === this.#token.byteLength &&
      timingSafeEqual(given, this.#token);
    if (!ok) {
      throw new EndpointRequestError(
        401,
        `Endpoint '${this.#endpoint.name}' requires an access token: send ` +
          "'Authorization: Bearer <token>' with the token from its " +
          'config.toml.',
      );
    }
  }

  #fail(ctx: RouteContext, err: unknown): void {
    const { req, res } = ctx;
    const { status, message } = statusOf(err);
    if (status >= 500) log('%s %s failed: %O', req.method, req.url, err);

    if (res.headersSent) {
      res.destroy(err instanceof Error ? err : undefined);
      return;
    }

    // A client waiting for 100-continue never sends the body it announced,
    // so the connection cannot carry another request: close it.
    const headers: Record<string, string> = {};
    if (ctx.expectsContinue) headers['Connection'] = 'close';
    if (status === 405) {
      const path = new URL(req.url ?? '/', 'http://endpoint').pathname;
      headers['Allow'] = Object.keys(ROUTES.get(path) ?? {}).join(', ');
    }
    sendText(res, status, message, headers);
  }
}
