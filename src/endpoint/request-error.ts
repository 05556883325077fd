/**
 * A failed endpoint operation with the HTTP status the server answers with
 * and the text it sends. Internal to the endpoint server: clients see the
 * status and text, and turn them into `EndpointConnectorError`.
 */
export class EndpointRequestError extends Error {
  override readonly name = 'EndpointRequestError';
  /** 400, 401, 404, 405, 413 or 500. */
  readonly status: number;

  constructor(status: number, message: string, options?: ErrorOptions) {
    super(message, options);
    this.status = status;
  }
}

/** The status and text to answer with for any error thrown by an operation. */
export function statusOf(err: unknown): { status: number; message: string } {
  if (err instanceof EndpointRequestError) {
    return { status: err.status, message: err.message };
  }
  const text = err instanceof Error ? err.message : String(err);
  return { status: 500, message: `The endpoint failed internally: ${text}` };
}

/** The 413 error for an object of `size` bytes (or more) over `limit`. */
export function tooLarge(
  size: number | string,
  limit: number,
): EndpointRequestError {
  return new EndpointRequestError(
    413,
    `The object (${size} bytes) exceeds this endpoint's maximum object ` +
      `size of ${limit} bytes. Store smaller objects, or raise ` +
      "max_object_size in the endpoint's config.toml and restart it.",
  );
}
