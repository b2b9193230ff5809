/**
 * Errors the Looker connector throws. Each says whether retrying can help; messages carry the status
 * and Looker's own text, never the client secret or a token (they reach logs and workflow histories).
 */

export abstract class LookerError extends Error {
  abstract readonly retryable: boolean;
}

/** Looker refused the API key at login (it answers unknown credentials with 404, some proxies with 401). */
export class LookerLoginRefusedError extends LookerError {
  override name = 'LookerLoginRefusedError';
  readonly retryable = false;
  constructor(readonly status: number) {
    super(`Looker refused the API client id or secret (HTTP ${status})`);
  }
}

/** A `model::datagroup` name Looker does not know, or a datagroup id it no longer has. */
export class LookerUnknownDatagroupError extends LookerError {
  override name = 'LookerUnknownDatagroupError';
  readonly retryable = false;
  constructor(readonly datagroup: string, readonly index?: number) {
    super(`Looker has no datagroup ${datagroup}`);
  }
}

/** 429: come back after `retryAfterMs` (from Retry-After, or a default when Looker sent none). */
export class LookerRateLimitedError extends LookerError {
  override name = 'LookerRateLimitedError';
  readonly retryable = true;
  constructor(readonly retryAfterMs: number) {
    super(`Looker is rate limiting (HTTP 429); retry after ${Math.ceil(retryAfterMs / 1000)} s`);
  }
}

/** 5xx, a timeout or a refused connection: Looker may answer later. */
export class LookerUnavailableError extends LookerError {
  override name = 'LookerUnavailableError';
  readonly retryable = true;
  constructor(message: string, readonly status?: number) {
    super(message);
  }
}

/** Looker refused the request itself (400, 403, 422): repeating it cannot help. */
export class LookerRequestError extends LookerError {
  override name = 'LookerRequestError';
  readonly retryable = false;
  constructor(message: string, readonly status: number) {
    super(message);
  }
}
