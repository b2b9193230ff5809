import type { FirstPagesResult, SyncFirstPagesInput, SyncPagesInput, SyncPagesResult } from '../contracts/sync';

/**
 * syncFirstPages over any page-batch reader: per entity, the changes pass from page 1, then the deleted
 * pass from page 1 only when the changes pass ended within the batch and its list did not move (otherwise
 * the run reads it again first, and the deleted pass after). The entities are read side by side: each
 * waits on FreshBooks, the ledger and the destination in turn, and the account's request budget, shared by
 * every request, still bounds what FreshBooks sees. One after another, a backfill's first activity took
 * ~0.5 s before any lane began (bench:tableau's timeline).
 */
export async function readFirstPages(input: SyncFirstPagesInput, read: (batch: SyncPagesInput) => Promise<SyncPagesResult>): Promise<FirstPagesResult[]> {
  // Settled, not raced: a failed entity fails the activity only once the others' deliveries have ended, so
  // its retry never overlaps them.
  const settled = await Promise.allSettled(input.entities.map(async ({ entity, since }): Promise<FirstPagesResult> => {
    const first = (pass: SyncPagesInput['pass']) => read({
      connectionId: input.connectionId, runKey: input.runKey, entity, pass, mode: input.mode, ...(since ? { since } : {}), startPage: 1, maxPages: input.maxPages,
    });
    const changes = await first('changes');
    return { entity, batches: changes.nextPage === null && !changes.shifted ? [changes, await first('deleted')] : [changes] };
  }));
  const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
  return settled.map((r) => (r as PromiseFulfilledResult<FirstPagesResult>).value);
}
