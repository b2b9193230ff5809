/**
 * Turns whatever the library (or the network) threw into a sanitised BigQueryApiError, and
 * retries the retryable ones with jittered backoff that honours Retry-After.
 *
 * We disable the library's own retry (autoRetry:false) because it ignores Retry-After, does not
 * treat 403 rateLimitExceeded/backendError consistently for every call, and never retries uploads.
 */
import { retryDelayMs, DEFAULT_BACKOFF, parseRetryAfterMs, sleep, type BackoffPolicy } from '../google/backoff';
import { BigQueryApiError } from './errors';

const RETRYABLE_STATUS = new Set([408, 429, 500, 502, 503, 504]);
/** BigQuery signals several transient conditions with 403/400 plus a reason (rate limits use 403). */
const RETRYABLE_REASONS = new Set(['rateLimitExceeded', 'userRateLimitExceeded', 'backendError', 'internalError', 'jobBackendError']);
const RETRYABLE_NETWORK_CODES = new Set([
  'ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN', 'ENOTFOUND', 'ECONNABORTED', 'EHOSTUNREACH', 'ENETUNREACH',
  'UND_ERR_SOCKET', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT',
]);

interface LibraryErrorShape {
  code?: unknown;
  errors?: Array<{ reason?: unknown; message?: unknown }>;
  message?: unknown;
  type?: unknown;
  errno?: unknown;
  response?: { statusCode?: unknown; headers?: Record<string, string | string[] | undefined> };
}

export function toBigQueryApiError(err: unknown, operation: string): BigQueryApiError {
  if (err instanceof BigQueryApiError) return err;
  const e = (err ?? {}) as LibraryErrorShape;
  const status = typeof e.code === 'number' ? e.code : typeof e.response?.statusCode === 'number' ? e.response.statusCode : undefined;
  const reasons = (Array.isArray(e.errors) ? e.errors : [])
    .map((x) => (typeof x?.reason === 'string' ? x.reason : undefined))
    .filter((r): r is string => !!r);

  if (status === undefined) {
    // node-fetch FetchError (type "system") or an undici/socket error: code like ECONNRESET.
    const code = typeof e.code === 'string' ? e.code : typeof e.errno === 'string' ? e.errno : undefined;
    const message = typeof e.message === 'string' ? e.message : 'network error';
    const retryable = (code !== undefined && RETRYABLE_NETWORK_CODES.has(code)) || /socket hang up|ECONNRESET|network|timeout/i.test(message);
    return new BigQueryApiError(operation, undefined, code ? [code] : [], message, retryable);
  }

  const message = typeof e.message === 'string' && e.message !== '' ? e.message : `HTTP ${status}`;
  const retryable = RETRYABLE_STATUS.has(status) || reasons.some((r) => RETRYABLE_REASONS.has(r));
  const retryAfterMs = parseRetryAfterMs(e.response?.headers?.['retry-after']);
  return new BigQueryApiError(operation, status, reasons, message, retryable, retryAfterMs);
}

export interface RetryOptions extends BackoffPolicy {
  /** Injectable for tests. */
  sleep: (ms: number) => Promise<void>;
  /** Called before each retry (metrics/logging hook). */
  onRetry?: (info: { operation: string; attempt: number; delayMs: number; error: BigQueryApiError }) => void;
}

export const DEFAULT_RETRY: RetryOptions = { ...DEFAULT_BACKOFF, sleep };

/**
 * Runs `fn`, retrying retryable failures. `fn` must be safe to repeat: every call site uses
 * idempotent requests (GETs, deterministic jobIds, insertIds, create-then-409-means-exists).
 */
export async function withRetry<T>(operation: string, opts: RetryOptions, fn: () => Promise<T>, onUnauthorized?: () => void): Promise<T> {
  let refreshedAuth = false;
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn();
    } catch (raw) {
      // Our own typed errors (and plain bugs) pass through untouched; only transport/API failures are translated.
      if (!looksLikeTransportError(raw)) throw raw;
      const error = toBigQueryApiError(raw, operation);
      // One 401 is usually a token revoked/expired early: drop the cache and try once more.
      if (error.status === 401 && !refreshedAuth && onUnauthorized) {
        refreshedAuth = true;
        onUnauthorized();
        attempt--;
        continue;
      }
      if (!error.retryable || attempt + 1 >= opts.maxAttempts) throw error;
      const delayMs = retryDelayMs(attempt, opts, error.retryAfterMs);
      opts.onRetry?.({ operation, attempt: attempt + 1, delayMs, error });
      await opts.sleep(delayMs);
    }
  }
}

function looksLikeTransportError(err: unknown): boolean {
  if (err instanceof BigQueryApiError) return true;
  if (err === null || typeof err !== 'object') return false;
  const e = err as LibraryErrorShape & { name?: unknown };
  if (e.name === 'ApiError' || e.name === 'FetchError' || e.name === 'AbortError') return true;
  return e.code !== undefined || e.response !== undefined || e.type === 'system';
}
