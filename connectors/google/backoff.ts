/** Retry timing shared by the Google token flow and the BigQuery client: full-jitter backoff, floored by Retry-After. */
import { backoffDelay } from '../../common/backoff';

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
export function retryDelayMs(attempt: number, policy: BackoffPolicy, retryAfterMs?: number, random: () => number = Math.random): number {
  const jittered = backoffDelay(attempt, { baseMs: policy.baseDelayMs, maxMs: policy.maxDelayMs, jitter: 'full' }, random);
  if (retryAfterMs === undefined) return jittered;
  return Math.min(policy.maxRetryAfterMs, Math.max(retryAfterMs, jittered));
}

export { parseRetryAfterMs, sleep } from '../http';
