import type { FirstPagesResult, SyncFirstPagesInput, SyncPagesInput, SyncPagesResult } from '../contracts/sync';

/**
 * syncFirstPages over any page-batch reader: per entity, in order, the changes pass from page 1, then the
 * deleted pass from page 1 only when the changes pass ended within the batch and its list did not move
 * (otherwise the run reads it again first, and the deleted pass after). One entity after another: they
 * share the account's request budget anyway.
 */
export async function readFirstPages(input: SyncFirstPagesInput, read: (batch: SyncPagesInput) => Promise<SyncPagesResult>): Promise<FirstPagesResult[]> {
  const out: FirstPagesResult[] = [];
  for (const { entity, since } of input.entities) {
    const first = (pass: SyncPagesInput['pass']) => read({
      connectionId: input.connectionId, runKey: input.runKey, entity, pass, mode: input.mode, ...(since ? { since } : {}), startPage: 1, maxPages: input.maxPages,
    });
    const changes = await first('changes');
    out.push({ entity, batches: changes.nextPage === null && !changes.shifted ? [changes, await first('deleted')] : [changes] });
  }
  return out;
}
