import { condition, proxyActivities } from '@temporalio/workflow';
import { backoffDelay } from '../common/backoff';
import type { Activities } from '../contracts/activities';
import type { AnnounceResult, SyncPlan } from '../contracts/sync';
import { describeFailure } from './activity-failure';
import type { Connection } from './connection-state';

/**
 * Announcing committed deliveries, beside the delivery loop: `noteDelivered` marks an announcement
 * pending once an activity that changed rows has returned (its rows are committed by then), and
 * `announceLoop` (started once per run, concurrently with the main loop) sends it when its window
 * ends. The announce activity reports failure instead of throwing, and its retries wait on this
 * loop's own timers, so nothing the delivery loop awaits ever waits for the announcement.
 */

/** Short: a hung call must not hold continue-as-new, which waits for the call in flight. */
const announceActs = proxyActivities<Pick<Activities, 'announceDelivery'>>({
  startToCloseTimeout: '1m',
  retry: { initialInterval: '1s', maximumAttempts: 2 },
});

const RETRY_SHAPE = { baseMs: 1_000, maxMs: 5 * 60_000, jitter: 'none' } as const;

/** After a delivery activity that changed `changed` rows returned: announce it (if the plan says to). */
export function noteDelivered(conn: Connection, plan: SyncPlan, changed: number): void {
  if (changed <= 0 || !plan.announce || !conn.has('announce-deliveries')) return;
  const a = conn.state.announce ??= { pending: false, windowMs: plan.announce.windowSec * 1000, failures: 0 };
  a.windowMs = plan.announce.windowSec * 1000;
  if (!a.pending) {
    a.pending = true;
    a.pendingSince = Date.now();
  }
}

/** When the pending announcement may go: its window's end, a window after the last one, and not before a retry is due. */
function dueAt(a: NonNullable<Connection['state']['announce']>): number {
  return Math.max((a.pendingSince ?? 0) + a.windowMs, (a.lastAnnouncedAt ?? 0) + a.windowMs, a.retryAt ?? 0);
}

export async function announceLoop(conn: Connection): Promise<void> {
  for (;;) {
    await condition(() => conn.stopped || !!conn.state.announce?.pending);
    if (conn.stopped) return;
    const a = conn.state.announce!;
    const wait = dueAt(a) - Date.now();
    if (wait > 0) {
      await condition(() => conn.stopped, wait);
      continue;
    }
    // Cleared before the call: a delivery committing while it is in flight marks a new one pending.
    a.pending = false;
    const since = a.pendingSince;
    a.pendingSince = undefined;
    conn.announcing = true;
    let result: AnnounceResult;
    try {
      result = await announceActs.announceDelivery(conn.connectionId);
    } catch (err) {
      result = { ok: false, error: describeFailure(err).message };
    } finally {
      conn.announcing = false;
    }
    if (result.ok) {
      a.lastAnnouncedAt = Date.now();
      a.lastError = undefined;
      a.failures = 0;
      a.retryAt = undefined;
    } else {
      a.lastError = result.error;
      a.retryAt = Date.now() + Math.max(result.retryAfterMs ?? 0, backoffDelay(a.failures, RETRY_SHAPE));
      a.failures += 1;
      // Still owed: pending again, from when the oldest unannounced delivery committed.
      a.pendingSince = Math.min(since ?? Date.now(), a.pendingSince ?? Date.now());
      a.pending = true;
    }
  }
}
