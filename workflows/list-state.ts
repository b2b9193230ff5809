import { condition } from '@temporalio/workflow';
import { acts, bookkeeping } from './connection-run';
import type { Connection } from './connection-state';

/**
 * Keeps the connection's row in the list's table (connection_workflow_states) in step with the workflow:
 * beside the main loop, it wakes when what the list shows changed and writes the latest, so changes made
 * while a write is in flight coalesce into the next one. It only compares a few fields after each
 * activation: webhook batches and page batches add no activity unless the phase, next poll or webhook
 * error moved. Runs begun before 'list-row-in-loop' only.
 */
export async function listStateLoop(conn: Connection): Promise<void> {
  const { state } = conn;
  let current = JSON.stringify(conn.listState());
  for (;;) {
    await condition(() => conn.stopped || (current = JSON.stringify(conn.listState())) !== state.listed);
    if (conn.stopped) return;
    conn.listing = true;
    try {
      await acts.recordListState(JSON.parse(current));
      state.listed = current;
    } catch {
      // Written again at the next change; the list falls back to the workflow meanwhile only if no row exists.
      state.listed = current;
    } finally {
      conn.listing = false;
    }
  }
}

/**
 * The list's row written by the main loop ('list-row-in-loop'), as a local activity: at a run's start, before
 * backing off, and while waiting (the wait wakes for it, so a pause or a webhook error shows at once). A quiet
 * poll's two writes then cost no task-queue round trip and no workflow task of their own. Callers ask
 * `listRowStale` first, so a run begun before the change never awaits here: one await more between two
 * commands could reorder them against the loop beside it, and its history must replay command for command.
 */
export async function writeListRow(conn: Connection): Promise<void> {
  const current = JSON.stringify(conn.listState());
  // A failure is written again at the next change, as the loop above does.
  await bookkeeping(conn).recordListState(JSON.parse(current)).catch(() => undefined);
  conn.state.listed = current;
}

/**
 * Waits `ms`, or until stopped, writing the list's row whenever it changes meanwhile ('list-row-in-loop'): a
 * pause during an hour's back-off shows at once. For runs begun before, one condition with the same timeout.
 */
export async function sleepListed(conn: Connection, ms: number): Promise<void> {
  const until = Date.now() + ms;
  for (;;) {
    if (listRowStale(conn)) await writeListRow(conn);
    const woke = await condition(() => conn.stopped || listRowStale(conn), Math.max(1, until - Date.now()));
    if (!woke || conn.stopped) return;
  }
}

/** Whether the main loop owes the list a write ('list-row-in-loop'). */
export function listRowStale(conn: Connection): boolean {
  return conn.listsInLoop() && JSON.stringify(conn.listState()) !== conn.state.listed;
}
