/** Jittered exponential backoff and Retry-After parsing shared by the Google token flow and the BigQuery client. */

export interface BackoffPolicy {
  /** Total attempts including the first. */
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** Upper bound for a server-supplied Retry-After, so a hostile value cannot park a worker for hours. */
  maxRetryAfterMs: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = {
  maxAttempts: 6,
  baseDelayMs: 500,
  maxDelayMs: 32_000,
  maxRetryAfterMs: 120_000,
};

/**
 * "Full jitter" (delay uniform in [0, cap]) decorrelates many workers hammering one quota;
 * a Retry-After from the server is a floor, not a suggestion.
 */
export function backoffDelayMs(attempt: number, policy: BackoffPolicy, retryAfterMs?: number, random: () => number = Math.random): number {
  const cap = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** attempt);
  const jittered = Math.round(random() * cap);
  if (retryAfterMs === undefined) return jittered;
  return Math.min(policy.maxRetryAfterMs, Math.max(retryAfterMs, jittered));
}

/** Retry-After as ms: delta-seconds or an HTTP date. Undefined when absent or unparseable. */
export function parseRetryAfterMs(value: string | string[] | undefined, nowMs: number = Date.now()): number | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  if (v === undefined) return undefined;
  const trimmed = v.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, date - nowMs);
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
