import type { Db } from './pool';

export interface SyncRunRecord {
  runKey: string;
  mode: string;
  startedAt: string;
  finishedAt: string | null;
  stats: Record<string, unknown>;
  error: string | null;
}

/** A row per sync cycle, for the API; the workflow history holds the detail. */
export class SyncRunStore {
  constructor(private readonly db: Db) {}

  async record(connectionId: string, run: SyncRunRecord): Promise<void> {
    await this.db.query(
      `INSERT INTO sync_runs (connection_id, run_key, mode, started_at, finished_at, stats, error)
       VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (run_key) DO UPDATE SET finished_at = EXCLUDED.finished_at, stats = EXCLUDED.stats, error = EXCLUDED.error`,
      [connectionId, run.runKey, run.mode, run.startedAt, run.finishedAt, run.stats, run.error],
    );
  }

  async recent(connectionId: string, limit = 10): Promise<SyncRunRecord[]> {
    const { rows } = await this.db.query<{ run_key: string; mode: string; started_at: Date; finished_at: Date | null; stats: Record<string, unknown>; error: string | null }>(
      'SELECT run_key, mode, started_at, finished_at, stats, error FROM sync_runs WHERE connection_id = $1 ORDER BY id DESC LIMIT $2',
      [connectionId, limit],
    );
    return rows.map((r) => ({ runKey: r.run_key, mode: r.mode, startedAt: r.started_at.toISOString(), finishedAt: r.finished_at?.toISOString() ?? null, stats: r.stats, error: r.error }));
  }
}
