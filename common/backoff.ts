/**
 * Exponential backoff: `baseMs * 2^attempt`, capped at `maxMs`, then jittered. Pure (the randomness is
 * passed in), so connectors and workflow code can share it.
 * - `full`: uniform in [0, cap]; decorrelates many workers hammering one quota (the Google clients).
 * - `equal`: half fixed, half random, so retries spread but never collapse to 0 (the HTTP clients).
 * - `none`: the capped exponential itself.
 */
export type Jitter = 'full' | 'equal' | 'none';

export interface BackoffShape {
  baseMs: number;
  maxMs: number;
  jitter: Jitter;
}

export function backoffDelay(attempt: number, shape: BackoffShape, random: () => number = Math.random): number {
  const cap = Math.min(shape.maxMs, shape.baseMs * 2 ** attempt);
  switch (shape.jitter) {
    case 'full':
      return Math.round(random() * cap);
    case 'equal':
      return Math.round(cap / 2 + random() * (cap / 2));
    case 'none':
      return cap;
  }
}
