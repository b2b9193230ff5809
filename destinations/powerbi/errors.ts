import { PowerBiAuthError, PowerBiRateLimitedError, PowerBiRequestError } from '../../connectors/powerbi';
import type { DestinationErrorClass } from '../types';

/**
 * Wrong secret, tenant setting off or service principal not in the workspace, and rejected payloads,
 * need a person; throttling just needs time (the client already honoured Retry-After up to its cap).
 */
export function classifyPowerBiError(err: unknown): DestinationErrorClass | undefined {
  if (err instanceof PowerBiAuthError) return { type: 'DestinationAuth', retryable: false };
  if (err instanceof PowerBiRequestError && (err.status === 401 || err.status === 403)) return { type: 'DestinationAuth', retryable: false };
  if (err instanceof PowerBiRequestError) return { type: 'DestinationRejected', retryable: false };
  if (err instanceof PowerBiRateLimitedError) return { type: 'RateLimited', retryable: true, retryAfterMs: Math.max(err.retryAfterMs, 1000) };
  return undefined;
}
