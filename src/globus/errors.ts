import { ConnectorError } from '../errors.js';

/**
 * Errors of the Globus connector, its Transfer and Auth clients and its
 * endpoint helpers. All derive from {@link GlobusConnectorError}, whose
 * `connectorKind` is `'globus'`.
 */

/** Base of every Globus error. */
export class GlobusConnectorError extends ConnectorError {
  override readonly name: string = 'GlobusConnectorError';

  constructor(message: string, options?: ErrorOptions) {
    super('globus', message, options);
  }
}

/** No endpoint has the collection id, or none matches this host. */
export class GlobusEndpointNotFoundError extends GlobusConnectorError {
  override readonly name = 'GlobusEndpointNotFoundError';
  /** The host name that matched no endpoint's host pattern, if any. */
  readonly host: string | undefined;
  /** The collection id that is not in the endpoints, if any. */
  readonly uuid: string | undefined;

  constructor(
    message: string,
    options?: ErrorOptions & { host?: string; uuid?: string },
  ) {
    super(message, options);
    this.host = options?.host;
    this.uuid = options?.uuid;
  }
}

/** Which Globus service answered. */
export type GlobusService = 'transfer' | 'auth';

/** Facts of a failed Globus HTTP call. */
export interface GlobusApiErrorInit {
  service: GlobusService;
  method: string;
  url: string;
  /** HTTP status, or 0 when no response arrived. */
  httpStatus: number;
  /** The service's error code (`code` of Transfer, `error` of Auth). */
  code?: string | undefined;
  /** The service's `request_id`, worth quoting to Globus support. */
  requestId?: string | undefined;
}

/** A Globus service answered with an error document, or could not be reached. */
export class GlobusApiError extends GlobusConnectorError {
  override readonly name: string = 'GlobusApiError';
  readonly service: GlobusService;
  readonly method: string;
  readonly url: string;
  readonly httpStatus: number;
  readonly code: string | undefined;
  readonly requestId: string | undefined;

  constructor(init: GlobusApiErrorInit, message: string, options?: ErrorOptions) {
    super(message, options);
    this.service = init.service;
    this.method = init.method;
    this.url = init.url;
    this.httpStatus = init.httpStatus;
    this.code = init.code;
    this.requestId = init.requestId;
  }
}

/** The command that creates or renews Globus credentials. */
export const GLOBUS_LOGIN_COMMAND = 'proxystore-globus-auth login';

/**
 * Globus credentials are missing, expired or revoked. The message says to run
 * {@link GLOBUS_LOGIN_COMMAND}.
 */
export class GlobusAuthError extends GlobusConnectorError {
  override readonly name = 'GlobusAuthError';
  /** The token file that was read, when the tokens come from one. */
  readonly tokenFile: string | undefined;

  constructor(
    message: string,
    options?: ErrorOptions & { tokenFile?: string | undefined },
  ) {
    super(message, options);
    this.tokenFile = options?.tokenFile;
  }
}

/** A Transfer task did not finish within the connector's timeout. */
export class GlobusTaskTimeoutError extends GlobusConnectorError {
  override readonly name = 'GlobusTaskTimeoutError';
  readonly taskId: string;
  readonly timeoutMs: number;
  /** The last status seen (`ACTIVE` or `INACTIVE`). */
  readonly lastStatus: string;

  constructor(
    taskId: string,
    timeoutMs: number,
    lastStatus: string,
    detail: string,
    options?: ErrorOptions,
  ) {
    super(
      `Globus task ${taskId} did not finish within ${timeoutMs} ms ` +
        `(last status ${lastStatus}${detail}). Raise the connector's ` +
        'timeout option, or look the task up on app.globus.org.',
      options,
    );
    this.taskId = taskId;
    this.timeoutMs = timeoutMs;
    this.lastStatus = lastStatus;
  }
}

/** The `fatal_error` of a failed Transfer task. */
export interface GlobusFatalError {
  code: string;
  description: string;
}

/** A Transfer task ended with status `FAILED`. */
export class GlobusTaskFailedError extends GlobusConnectorError {
  override readonly name = 'GlobusTaskFailedError';
  readonly taskId: string;
  readonly fatalError: GlobusFatalError | null;

  constructor(
    taskId: string,
    fatalError: GlobusFatalError | null,
    options?: ErrorOptions,
  ) {
    const why =
      fatalError === null
        ? 'no fatal_error was reported'
        : `${fatalError.code}: ${fatalError.description}`;
    super(
      `Globus task ${taskId} failed (${why}). The object was not copied to ` +
        'every endpoint; check the collections and paths in the endpoints ' +
        'and put the object again.',
      options,
    );
    this.taskId = taskId;
    this.fatalError = fatalError;
  }
}
