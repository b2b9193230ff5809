/** When the credential workflow renews a token. Pure and deterministic: used inside the workflow. */

const RENEW_BEFORE_MS = 5 * 60_000;
/**
 * A token that lives less than twice RENEW_BEFORE_MS is renewed halfway through its life instead:
 * renewing "5 min before expiry" a token that lives 20 s would refresh without pause, forever.
 */
const RENEW_AT_LIFETIME_FRACTION = 0.5;
/** Even a token that is already expired when it arrives waits this long before the next renewal. */
export const MIN_RENEW_WAIT_MS = 5_000;

/**
 * How long to wait before renewing a token that expires at `expiresAt` and was obtained at
 * `obtainedAt`: 5 minutes before expiry, but never sooner than halfway through the token's life as we
 * saw it, and never sooner than a few seconds after we obtained it.
 */
export function renewalDueIn(expiresAt: number, obtainedAt: number, now: number): number {
  const lifetime = Math.max(0, expiresAt - obtainedAt);
  const renewAt = Math.max(expiresAt - RENEW_BEFORE_MS, obtainedAt + lifetime * RENEW_AT_LIFETIME_FRACTION, obtainedAt + MIN_RENEW_WAIT_MS);
  return renewAt - now;
}
