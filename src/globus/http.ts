import { setTimeout as sleep } from 'node:timers/promises';

import { logger } from '../utils/debug.js';
import { GlobusApiError } from './errors.js';
import type { GlobusService } from './errors.js';

const log = logger('globus:http');

/** Default timeout of one HTTP request to a Globus service. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;

/** Statuses worth retrying: rate limiting and gateway trouble. */
const RETRY_STATUSES = new Set([429, 502, 503, 504]);

/** At most this many attempts per request (the first plus retries). */
const MAX_ATTEMPTS = 3;

/** Delay before the first retry; doubles on each retry. */
const FIRST_BACKOFF_MS = 200;

/** One request to a Globus service. */
export interface GlobusRequest {
  service: GlobusService;
  method: 'GET' | 'POST';
  url: string;
  headers?: Record<string, string> | undefined;
  /** A JSON body (Transfer documents). */
  json?: unknown;
  /** A form body (Auth token requests). */
  form?: Record<string, string> | undefined;
  timeoutMs?: number | undefined;
  /**
   * Whether the request may be sent again after a network error or a
   * retryable status. True for reads, and for submissions that carry a
   * `submission_id` (Transfer accepts each id once).
   */
  idempotent: boolean;
}

/** The answer: status and parsed JSON body (`undefined` when not JSON). */
export interface GlobusResponse {
  status: number;
  body: unknown;
}

async function sendOnce(req: GlobusRequest): Promise<GlobusResponse> {
  const headers: Record<string, string> = {
    accept: 'application/json',
    ...req.headers,
  };
  let body: string | undefined;
  if (req.json !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(req.json);
  } else if (req.form !== undefined) {
    headers['content-type'] = 'application/x-www-form-urlencoded';
    body = new URLSearchParams(req.form).toString();
  }

  const response = await fetch(req.url, {
    method: req.method,
    headers,
    ...(body === undefined ? {} : { body }),
    redirect: 'manual',
    signal: AbortSignal.timeout(req.timeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS),
  });
  const text = await response.text();

  let parsed: unknown;
  try {
    parsed = text === '' ? undefined : JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  return { status: response.status, body: parsed };
}

/**
 * Sends a request, retrying idempotent ones (bounded: {@link MAX_ATTEMPTS}
 * attempts with doubling backoff) on network errors and on 429/502/503/504.
 * Any HTTP status is returned to the caller, which reads the service's
 * error document; only a request that never got an answer throws.
 *
 * @throws {@link GlobusApiError} with `httpStatus` 0 when no answer arrived.
 */
export async function sendGlobusRequest(
  req: GlobusRequest,
): Promise<GlobusResponse> {
  const attempts = req.idempotent ? MAX_ATTEMPTS : 1;
  let lastError: unknown;

  for (let attempt = 1; attempt <= attempts; attempt++) {
    if (attempt > 1) await sleep(FIRST_BACKOFF_MS * 2 ** (attempt - 2));

    try {
      const res = await sendOnce(req);
      if (!RETRY_STATUSES.has(res.status) || attempt === attempts) return res;
      log('%s %s answered %d, retrying', req.method, req.url, res.status);
    } catch (err) {
      lastError = err;
      log('%s %s failed: %s', req.method, req.url, (err as Error).message);
    }
  }

  const reason = (lastError as Error | undefined)?.message ?? 'no answer';
  throw new GlobusApiError(
    { service: req.service, method: req.method, url: req.url, httpStatus: 0 },
    `Cannot reach the Globus ${req.service} service: ${req.method} ` +
      `${req.url} failed after ${attempts} attempt(s) (${reason}). Check ` +
      'the network and the service URL (PROXYSTORE_GLOBUS_' +
      `${req.service.toUpperCase()}_URL).`,
    { cause: lastError },
  );
}

/** Reads a string field of a JSON object, or `undefined`. */
export function stringField(body: unknown, name: string): string | undefined {
  if (body === null || typeof body !== 'object') return undefined;
  const value = (body as Record<string, unknown>)[name];
  return typeof value === 'string' ? value : undefined;
}

/** Reads a number field of a JSON object, or `undefined`. */
export function numberField(body: unknown, name: string): number | undefined {
  if (body === null || typeof body !== 'object') return undefined;
  const value = (body as Record<string, unknown>)[name];
  return typeof value === 'number' ? value : undefined;
}
