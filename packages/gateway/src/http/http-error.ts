/** An HTTP-level failure (bad request, unknown route, ...), turned into an error response. */
export class HttpError extends Error {
  override readonly name = 'HttpError';

  constructor(
    /** HTTP status code. */
    readonly status: number,
    /** The `error.type` of the response body, e.g. `BadRequest`. */
    readonly type: string,
    message: string,
    /** Extra response headers, e.g. `Allow` for 405. */
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}
