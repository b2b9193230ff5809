import type { ConnectionListState } from '../contracts/connection';
import type { Db } from './pool';

/** What the connections list shows of each connection workflow, as the workflow last wrote it (migration 017). */
export class ConnectionListStates {
  constructor(private readonly db: Db) {}

  async write(s: ConnectionListState): Promise<void> {
    await this.db.query(
      `INSERT INTO connection_workflow_states (connection_id, phase, next_poll_at, consecutive_failures, webhook_error, updated_at)
       VALUES ($1, $2, $3, $4, $5, now())
       ON CONFLICT (connection_id) DO UPDATE SET phase = EXCLUDED.phase, next_poll_at = EXCLUDED.next_poll_at,
         consecutive_failures = EXCLUDED.consecutive_failures, webhook_error = EXCLUDED.webhook_error, updated_at = now()`,
      [s.connectionId, s.phase, s.nextPollAt, s.consecutiveFailures, s.webhookError],
    );
  }

  async all(): Promise<Map<string, ConnectionListState>> {
    const { rows } = await this.db.query<{ connection_id: string; phase: ConnectionListState['phase']; next_poll_at: Date | null; consecutive_failures: number; webhook_error: string | null }>(
      'SELECT connection_id, phase, next_poll_at, consecutive_failures, webhook_error FROM connection_workflow_states');
    return new Map(rows.map((r) => [r.connection_id, {
      connectionId: r.connection_id, phase: r.phase, nextPollAt: r.next_poll_at?.toISOString() ?? null,
      consecutiveFailures: r.consecutive_failures, webhookError: r.webhook_error,
    }]));
  }
}
