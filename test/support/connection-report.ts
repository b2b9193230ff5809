import { temporal } from '@temporalio/proto';
import { connectionWorkflowId } from '../../contracts/ids';
import type { Harness } from './harness';

const EventType = temporal.api.enums.v1.EventType;

/**
 * What a test that timed out waiting on a connection prints, so a failure seen once in CI can be read
 * afterwards: its runs as stored, its status as the API shows it, and the tail of each of its workflow runs'
 * histories (event types and failure messages only: payloads stay encrypted).
 */
export async function connectionReport(h: Harness, connectionId: string, tailEvents = 60): Promise<string[]> {
  const lines: string[] = [];
  const attempt = async (label: string, f: () => Promise<void>) => {
    try { await f(); } catch (err) { lines.push(`${label}: unavailable (${err instanceof Error ? err.message : String(err)})`); }
  };
  await attempt('runs', async () => {
    const { rows } = await h.db.query<{ mode: string; started_at: Date; finished_at: Date | null; error: string | null }>(
      'SELECT mode, started_at, finished_at, error FROM sync_runs WHERE connection_id = $1 ORDER BY id', [connectionId]);
    for (const r of rows) lines.push(`run ${r.mode} ${r.started_at.toISOString()} → ${r.finished_at?.toISOString() ?? 'unfinished'}${r.error ? ` error: ${r.error}` : ''}`);
  });
  await attempt('status', async () => {
    const res = await h.admin(`/api/connections/${connectionId}`);
    lines.push(`status ${res.status} ${JSON.stringify(res.body)}`);
  });
  await attempt('history', async () => {
    const workflowId = connectionWorkflowId(connectionId);
    for await (const run of h.client.workflow.list({ query: `WorkflowId = '${workflowId}'` })) {
      lines.push(`workflow run ${run.runId} ${run.status.name} started ${run.startTime.toISOString()}`);
      const { events } = await h.client.workflow.getHandle(workflowId, run.runId).fetchHistory();
      for (const e of (events ?? []).slice(-tailEvents)) {
        const type = EventType[e.eventType ?? 0] ?? String(e.eventType);
        const at = e.eventTime?.seconds ? new Date(Number(e.eventTime.seconds) * 1000 + Math.round((e.eventTime.nanos ?? 0) / 1e6)).toISOString() : '';
        const failure = e.activityTaskFailedEventAttributes?.failure ?? e.workflowTaskFailedEventAttributes?.failure;
        lines.push(`  ${e.eventId} ${at} ${type.replace('EVENT_TYPE_', '')}${failure ? ` — ${failure.message}` : ''}`);
      }
    }
  });
  return lines;
}
