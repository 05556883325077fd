import { setTimeout as sleep } from 'node:timers/promises';

import { logger } from '../utils/debug.js';
import type { GlobusAuthorizer } from './authorizers.js';
import { isFinalStatus, syncLevelNumber } from './documents.js';
import type {
  DeleteDocument,
  SubmissionResult,
  SyncLevel,
  TaskDocument,
  TransferDocument,
} from './documents.js';
import {
  GLOBUS_LOGIN_COMMAND,
  GlobusApiError,
  GlobusAuthError,
  GlobusTaskTimeoutError,
} from './errors.js';
import { sendGlobusRequest, stringField } from './http.js';
import type { GlobusResponse } from './http.js';
import { resolveTransferUrl } from './services.js';

const log = logger('globus:transfer');

/** Options of {@link GlobusTransferClient}. */
export interface GlobusTransferClientOptions {
  /** Produces the bearer token for `transfer.api.globus.org`. */
  authorizer: GlobusAuthorizer;
  /**
   * Base URL including the version.
   * @defaultValue `PROXYSTORE_GLOBUS_TRANSFER_URL` or Transfer v0.10
   */
  transferUrl?: string | undefined;
  /** Timeout of one HTTP request, in milliseconds. */
  requestTimeoutMs?: number | undefined;
}

/** A copy to submit: one task from one collection to another. */
export interface TransferRequest {
  sourceEndpoint: string;
  destinationEndpoint: string;
  items: readonly { sourcePath: string; destinationPath: string }[];
  syncLevel?: SyncLevel | undefined;
  label?: string | undefined;
}

/** A deletion to submit: one task on one collection. */
export interface DeleteRequest {
  endpoint: string;
  paths: readonly string[];
  recursive?: boolean | undefined;
  /** Succeed for paths that do not exist. @defaultValue true */
  ignoreMissing?: boolean | undefined;
  label?: string | undefined;
}

/** Options of {@link GlobusTransferClient.waitForTask}. */
export interface WaitOptions {
  timeoutMs: number;
  pollingIntervalMs: number;
}

/**
 * A client of the Globus Transfer REST API (v0.10): submission ids,
 * transfer and delete submissions, and task status. A 401 makes the
 * authorizer renew the token once before the request is sent again.
 */
export class GlobusTransferClient {
  readonly transferUrl: string;
  readonly #authorizer: GlobusAuthorizer;
  readonly #timeoutMs: number | undefined;

  constructor(options: GlobusTransferClientOptions) {
    this.transferUrl = resolveTransferUrl(options.transferUrl);
    this.#authorizer = options.authorizer;
    this.#timeoutMs = options.requestTimeoutMs;
  }

  /** A fresh submission id (`GET /submission_id`). */
  async submissionId(): Promise<string> {
    const res = await this.#request('GET', '/submission_id', undefined);
    const value = stringField(res.body, 'value');
    if (value === undefined) throw this.#malformed('GET', '/submission_id');
    return value;
  }

  /** Submits a copy (`POST /transfer`); returns the result with `task_id`. */
  async submitTransfer(request: TransferRequest): Promise<SubmissionResult> {
    const doc: TransferDocument = {
      DATA_TYPE: 'transfer',
      submission_id: await this.submissionId(),
      source_endpoint: request.sourceEndpoint,
      destination_endpoint: request.destinationEndpoint,
      ...(request.label === undefined ? {} : { label: request.label }),
      ...(request.syncLevel === undefined
        ? {}
        : { sync_level: syncLevelNumber(request.syncLevel) }),
      notify_on_succeeded: false,
      notify_on_failed: false,
      notify_on_inactive: false,
      DATA: request.items.map((item) => ({
        DATA_TYPE: 'transfer_item',
        source_path: item.sourcePath,
        destination_path: item.destinationPath,
        recursive: false,
      })),
    };
    return this.#submit('/transfer', doc);
  }

  /** Submits a deletion (`POST /delete`); returns the result with `task_id`. */
  async submitDelete(request: DeleteRequest): Promise<SubmissionResult> {
    const doc: DeleteDocument = {
      DATA_TYPE: 'delete',
      submission_id: await this.submissionId(),
      endpoint: request.endpoint,
      recursive: request.recursive ?? false,
      ignore_missing: request.ignoreMissing ?? true,
      ...(request.label === undefined ? {} : { label: request.label }),
      notify_on_succeeded: false,
      notify_on_failed: false,
      notify_on_inactive: false,
      DATA: request.paths.map((path) => ({ DATA_TYPE: 'delete_item', path })),
    };
    return this.#submit('/delete', doc);
  }

  /**
   * The task document (`GET /task/<task_id>`).
   *
   * @throws {@link GlobusApiError} with `httpStatus` 400 or 404 for an id
   * that names no task.
   */
  async getTask(taskId: string): Promise<TaskDocument> {
    const route = `/task/${encodeURIComponent(taskId)}`;
    const res = await this.#request('GET', route, undefined);
    if (stringField(res.body, 'status') === undefined) {
      throw this.#malformed('GET', route);
    }
    return res.body as TaskDocument;
  }

  /**
   * Polls a task until it is `SUCCEEDED` or `FAILED` and returns its last
   * document. `INACTIVE` (suspended, for example on expired collection
   * credentials) is waited on like `ACTIVE`.
   *
   * @throws {@link GlobusTaskTimeoutError} when it is not final in time.
   */
  async waitForTask(taskId: string, options: WaitOptions): Promise<TaskDocument> {
    const deadline = Date.now() + options.timeoutMs;

    for (;;) {
      const task = await this.getTask(taskId);
      if (isFinalStatus(task.status)) return task;

      const left = deadline - Date.now();
      if (left <= 0) {
        const nice = task.nice_status === null ? '' : `, ${task.nice_status}`;
        throw new GlobusTaskTimeoutError(
          taskId,
          options.timeoutMs,
          task.status,
          nice,
        );
      }
      await sleep(Math.min(options.pollingIntervalMs, left));
    }
  }

  async #submit(route: string, doc: TransferDocument | DeleteDocument) {
    const res = await this.#request('POST', route, doc);
    const taskId = stringField(res.body, 'task_id');
    if (taskId === undefined) throw this.#malformed('POST', route);
    const code = stringField(res.body, 'code');
    log('submitted %s task %s (%s)', doc.DATA_TYPE, taskId, code);
    return res.body as SubmissionResult;
  }

  async #request(
    method: 'GET' | 'POST',
    route: string,
    json: unknown,
  ): Promise<GlobusResponse> {
    const url = `${this.transferUrl}${route}`;
    let res: GlobusResponse | undefined;

    for (let attempt = 0; attempt < 2; attempt++) {
      const authorization = await this.#authorizer.authorization();
      res = await sendGlobusRequest({
        service: 'transfer',
        method,
        url,
        headers: { authorization },
        json,
        timeoutMs: this.#timeoutMs,
        // GETs are reads and every submission carries a submission_id.
        idempotent: true,
      });
      if (res.status !== 401 || attempt === 1) break;
      if (!(await this.#authorizer.renewAfterUnauthorized(authorization))) break;
    }

    if (res === undefined) throw new Error('unreachable: no response');
    if (res.status >= 200 && res.status < 300) return res;
    throw this.#error(method, url, res);
  }

  #error(method: string, url: string, res: GlobusResponse): Error {
    const code = stringField(res.body, 'code');
    const message = stringField(res.body, 'message') ?? 'no error document';
    const init = {
      service: 'transfer' as const,
      method,
      url,
      httpStatus: res.status,
      code,
      requestId: stringField(res.body, 'request_id'),
    };
    const api = new GlobusApiError(
      init,
      `Globus Transfer refused ${method} ${url} with HTTP ${res.status}` +
        `${code === undefined ? '' : ` (${code})`}: ${message}` +
        `${init.requestId === undefined ? '' : ` [request ${init.requestId}]`}.`,
    );

    if (res.status === 401) {
      return new GlobusAuthError(
        'Globus Transfer does not accept the saved credentials ' +
          `(${code ?? 'HTTP 401'}). Run \`${GLOBUS_LOGIN_COMMAND}\` again.`,
        { cause: api },
      );
    }
    if (res.status === 403 && code === 'ConsentRequired') {
      return new GlobusAuthError(
        'Globus Transfer needs your consent to access a collection ' +
          `(${message}). Run \`${GLOBUS_LOGIN_COMMAND} --collection ` +
          '<uuid>` for each mapped collection of the store.',
        { cause: api },
      );
    }
    return api;
  }

  #malformed(method: string, route: string): GlobusApiError {
    return new GlobusApiError(
      {
        service: 'transfer',
        method,
        url: `${this.transferUrl}${route}`,
        httpStatus: 200,
      },
      `Globus Transfer answered ${method} ${route} with a document this ` +
        'client does not understand. Check the Transfer URL ' +
        '(PROXYSTORE_GLOBUS_TRANSFER_URL); it must end in /v0.10.',
    );
  }
}
