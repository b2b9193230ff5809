/**
 * Errors the FreshBooks client throws, and the one parser that understands every error body FreshBooks
 * sends (reference/freshbooks.md §6, §9.15): accounting `response.errors[]`, google.rpc `code/details[]`
 * (which can arrive with HTTP 200), events `errno/message`, and OAuth `error/error_description`.
 *
 * Messages carry status, errno and FreshBooks' own text only. Tokens, codes and secrets must never reach
 * a message: they end up in logs and Temporal histories.
 */

export class FreshBooksApiError extends Error {
  override name = 'FreshBooksApiError';
  readonly status: number;
  readonly errno?: number;
  readonly field?: string;
  /** OAuth-style error code (`invalid_token`, `unauthenticated`) when the body had one. */
  readonly code?: string;

  constructor(init: { status: number; message: string; errno?: number; field?: string; code?: string }) {
    super(init.message);
    this.status = init.status;
    if (init.errno !== undefined) this.errno = init.errno;
    if (init.field !== undefined) this.field = init.field;
    if (init.code !== undefined) this.code = init.code;
  }
}

/**
 * FreshBooks refused a write because another request was changing the same resource (§6 errno 409), e.g. two
 * invoice creates without `invoice_number` at once (§3.1). Nothing was written, so retrying is safe.
 */
export function isConflict(err: unknown): err is FreshBooksApiError {
  return err instanceof FreshBooksApiError && (err.status === 409 || err.errno === 409);
}

/** 401 that survived one refresh: the connection needs re-authorization (or the token store is broken). */
export class FreshBooksUnauthorizedError extends FreshBooksApiError {
  override name = 'Unauthorized';
}

export class FreshBooksRateLimitedError extends Error {
  override name = 'RateLimited';
  /** How long FreshBooks asked us to wait when we gave up. */
  readonly retryAfterMs: number;
  constructor(retryAfterMs: number, message?: string) {
    super(message ?? `FreshBooks rate limit: gave up waiting (next Retry-After ${retryAfterMs} ms)`);
    this.retryAfterMs = retryAfterMs;
  }
}

/** The token endpoint refused the grant: the refresh token (or code) is dead and the user must reconnect. */
export class FreshBooksInvalidGrantError extends Error {
  override name = 'InvalidGrant';
  readonly status: number;
  readonly oauthError?: string;
  constructor(status: number, oauthError?: string) {
    super(`FreshBooks token endpoint refused the grant (HTTP ${status}${oauthError ? `, ${oauthError}` : ''})`);
    this.status = status;
    if (oauthError !== undefined) this.oauthError = oauthError;
  }
}

export interface ParsedFreshBooksError {
  message: string;
  errno?: number;
  field?: string;
  code?: string;
}

const MAX_MESSAGE = 300;

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v.length > 0 ? v : undefined;
}

function num(v: unknown): number | undefined {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string' && /^\d+$/.test(v)) return Number(v);
  return undefined;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function clip(s: string): string {
  return s.length > MAX_MESSAGE ? `${s.slice(0, MAX_MESSAGE)}…` : s;
}

/**
 * Recognise an error in a parsed JSON body, whatever the HTTP status. Returns null when the body is not an
 * error (so a 200 with `response.result` passes, and a 200 with google.rpc `details` does not).
 */
export function parseFreshBooksError(body: unknown): ParsedFreshBooksError | null {
  if (!isRecord(body)) return null;

  // Accounting: {"response":{"errors":[{errno, field, message, object, value}]}}
  const response = body.response;
  if (isRecord(response) && Array.isArray(response.errors) && response.errors.length > 0) {
    const first = isRecord(response.errors[0]) ? response.errors[0] : {};
    const out: ParsedFreshBooksError = { message: clip(str(first.message) ?? 'FreshBooks error') };
    const errno = num(first.errno);
    const field = str(first.field);
    if (errno !== undefined) out.errno = errno;
    if (field !== undefined) out.field = field;
    return out;
  }

  // google.rpc: {"code":5,"message","details":[{"@type":…ErrorInfo,"reason":"1012","metadata":{…}}]}
  if (typeof body.code === 'number' && body.code !== 0 && Array.isArray(body.details)) {
    const info = body.details.find((d) => isRecord(d) && (d.reason !== undefined || isRecord(d.metadata)));
    const meta = isRecord(info) && isRecord(info.metadata) ? info.metadata : {};
    const out: ParsedFreshBooksError = { message: clip(str(meta.message) ?? str(body.message) ?? 'FreshBooks error') };
    const errno = isRecord(info) ? num(info.reason) : undefined;
    const field = str(meta.field);
    if (errno !== undefined) out.errno = errno;
    if (field !== undefined) out.field = field;
    return out;
  }

  // Ledger accounts: {"errors":{message,status,details:[{reason,metadata}]}}
  if (isRecord(body.errors)) {
    const e = body.errors;
    const detail = Array.isArray(e.details) ? e.details.find(isRecord) : undefined;
    const out: ParsedFreshBooksError = { message: clip(str(e.message) ?? 'FreshBooks error') };
    const errno = detail ? num(detail.reason) : undefined;
    if (errno !== undefined) out.errno = errno;
    return out;
  }

  // OAuth / auth: {"error":"invalid_token","error_description":…}; projects: {"error":"…"} or {"errno","error":{…}}
  if (str(body.error) !== undefined) {
    const code = str(body.error)!;
    const out: ParsedFreshBooksError = { message: clip(str(body.error_description) ?? code), code };
    const errno = num(body.errno);
    if (errno !== undefined) out.errno = errno;
    return out;
  }
  if (body.errno !== undefined && (isRecord(body.error) || str(body.message) !== undefined)) {
    // Events: {"errno":401,"message":"invalid_token: …"}; projects: {"errno":2001,"error":{field: msg}}
    const fieldErrors = isRecord(body.error) ? Object.entries(body.error) : [];
    const message = str(body.message) ?? fieldErrors.map(([k, v]) => `${k}: ${String(v)}`).join('; ');
    const out: ParsedFreshBooksError = { message: clip(message || 'FreshBooks error') };
    const errno = num(body.errno);
    if (errno !== undefined) out.errno = errno;
    if (fieldErrors[0]) out.field = fieldErrors[0][0];
    const codeMatch = /^(invalid_token|unauthenticated)\b/.exec(out.message);
    if (codeMatch) out.code = codeMatch[1];
    return out;
  }
  // {"error_type":"not_found","message":…} (seen in the Node SDK's error tests)
  if (str(body.error_type) !== undefined) {
    return { message: clip(str(body.message) ?? str(body.error_type)!), code: str(body.error_type)! };
  }
  return null;
}

/** Remove any secret that might have been echoed back into text we are about to put in an error. */
export function redact(text: string, secrets: ReadonlyArray<string | undefined>): string {
  let out = text;
  for (const s of secrets) {
    if (s && s.length >= 4) out = out.split(s).join('[redacted]');
  }
  return out;
}
