import type { AnnounceResult } from '../contracts/sync';
import { destinationAnnouncers } from '../destinations/registry';
import type { ConnectionRuntime } from './connection-runtime';
import type { ActivityDeps } from './deps';

/**
 * Announcing committed deliveries (Looker datagroup triggers). Its outcome is returned rather than
 * thrown: the workflow keeps the announcement pending and retries on its own backoff, so a Looker
 * outage never holds up or fails a delivery.
 */
export function announceActivities(deps: ActivityDeps, runtime: ConnectionRuntime) {
  const announce = destinationAnnouncers(deps);
  async function announceDelivery(connectionId: string): Promise<AnnounceResult> {
    const c = await runtime.connection(connectionId);
    const outcome = await announce(c.destination);
    if (!outcome.ok) deps.logger.warn({ connectionId, error: outcome.error }, 'announcing a delivery failed');
    return outcome;
  }
  return { announceDelivery };
}
