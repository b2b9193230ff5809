/**
 * FreshBooks-specific wrapper of the HTTP layer, so the FreshBooks client's callers can tell its network
 * failures apart by type.
 */
import { HttpNetworkError, sendHttp as send, type HttpReply, type HttpRequest } from '../http';

export { headerValue, parseRetryAfterMs, sleep, trimBase, type HttpReply, type HttpRequest } from '../http';

/** Thrown for failures below HTTP (refused, reset, timed out). Retryable for idempotent calls. */
export class FreshBooksNetworkError extends Error {
  override name = 'FreshBooksNetworkError';
  /** The low-level error code (ECONNRESET, UND_ERR_HEADERS_TIMEOUT…); never the URL, which is fine but noisy. */
  readonly code?: string;
  constructor(message: string, code?: string) {
    super(message);
    if (code !== undefined) this.code = code;
  }
}

export async function sendHttp(req: HttpRequest): Promise<HttpReply> {
  try {
    return await send(req);
  } catch (err) {
    if (!(err instanceof HttpNetworkError)) throw err;
    // The undici error can include the host but never headers or bodies, so it cannot leak a token.
    throw new FreshBooksNetworkError(`FreshBooks request failed (${req.method}): ${err.code}`, err.code);
  }
}
