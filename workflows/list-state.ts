import { condition } from '@temporalio/workflow';
import { acts } from './connection-run';
import type { Connection } from './connection-state';

/**
 * Keeps the connection's row in the list's table (connection_workflow_states) in step with the workflow:
 * beside the main loop, it wakes when what the list shows changed and writes the latest, so changes made
 * while a write is in flight coalesce into the next one. It only compares a few fields after each
 * activation: webhook batches and page batches add no activity unless the phase, next poll or webhook
 * error moved.
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
