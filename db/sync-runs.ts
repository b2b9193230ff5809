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

  /** The newest run's id (0 when none): where a reader that only wants runs from now on starts. */
  async latestId(): Promise<number> {
    const { rows } = await this.db.query<{ id: string | null }>('SELECT max(id) AS id FROM sync_runs');
    return Number(rows[0]?.id ?? 0);
  }

  /**
   * Runs recorded after `afterId`, oldest first, at most `limit`: what /metrics has not counted yet. A run
   * is recorded once, when it ends, so every row here is finished. Deleted connections' runs go with them.
   */
  async finishedAfter(afterId: number, limit: number): Promise<FinishedRun[]> {
    const { rows } = await this.db.query<{ id: string; destination_type: string | null; mode: string; seconds: number; failed: boolean }>(
      `SELECT r.id, c.destination->>'type' AS destination_type, split_part(r.mode, ':', 1) AS mode,
              extract(epoch FROM r.finished_at - r.started_at)::float8 AS seconds,
              r.error IS NOT NULL AS failed
         FROM sync_runs r JOIN connections c ON c.id = r.connection_id
        WHERE r.id > $1 AND r.finished_at IS NOT NULL
        ORDER BY r.id LIMIT $2`,
      [afterId, limit],
    );
    return rows.map((r) => ({ id: Number(r.id), destinationType: r.destination_type ?? 'unknown', mode: r.mode, seconds: Math.max(0, r.seconds), failed: r.failed }));
  }
}

export interface FinishedRun {
  id: number;
  destinationType: string;
  /** `full` or `incremental` (the recorded mode without its reason). */
  mode: string;
  seconds: number;
  failed: boolean;
}
