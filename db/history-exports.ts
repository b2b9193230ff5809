import type { ExportedRun } from '../contracts/history-export';
import type { Db } from './pool';

export interface ExportedRunRow extends Omit<ExportedRun, 'exportedAt'> {
  connectionId: string | null;
}

/** Which closed runs have been exported, and where (history_exports). */
export class HistoryExportIndex {
  constructor(private readonly db: Db) {}

  /** Of these runs, the `workflowId runId` keys already exported. */
  async exported(runs: { workflowId: string; runId: string }[]): Promise<Set<string>> {
    if (runs.length === 0) return new Set();
    const { rows } = await this.db.query<{ workflow_id: string; run_id: string }>(
      `SELECT workflow_id, run_id FROM history_exports
        WHERE (workflow_id, run_id) IN (SELECT * FROM unnest($1::text[], $2::text[]))`,
      [runs.map((r) => r.workflowId), runs.map((r) => r.runId)],
    );
    return new Set(rows.map((r) => runKey(r.workflow_id, r.run_id)));
  }

  async record(run: ExportedRunRow): Promise<void> {
    await this.db.query(
      `INSERT INTO history_exports (workflow_id, run_id, workflow_type, connection_id, status, close_time, size_bytes, location)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (workflow_id, run_id) DO NOTHING`,
      [run.workflowId, run.runId, run.workflowType, run.connectionId, run.status, run.closeTime, run.sizeBytes, run.location],
    );
  }

  /** A connection's exported runs (its own, its store's and its orders'), newest close first. */
  async forConnection(connectionId: string, limit: number): Promise<ExportedRun[]> {
    const { rows } = await this.db.query<{ workflow_id: string; run_id: string; workflow_type: string; status: string; close_time: Date; size_bytes: string; exported_at: Date; location: string }>(
      `SELECT workflow_id, run_id, workflow_type, status, close_time, size_bytes, exported_at, location FROM history_exports
        WHERE connection_id = $1 ORDER BY close_time DESC, workflow_id, run_id LIMIT $2`,
      [connectionId, limit],
    );
    return rows.map((r) => ({
      workflowId: r.workflow_id, runId: r.run_id, workflowType: r.workflow_type, status: r.status,
      closeTime: r.close_time.toISOString(), sizeBytes: Number(r.size_bytes), exportedAt: r.exported_at.toISOString(), location: r.location,
    }));
  }
}

export const runKey = (workflowId: string, runId: string): string => `${workflowId} ${runId}`;

/** History bodies in Postgres (HISTORY_EXPORT=postgres): backed up with everything else the service keeps. */
export class PostgresHistoryBodies {
  constructor(private readonly db: Db) {}

  async put(workflowId: string, runId: string, json: string): Promise<string> {
    await this.db.query(
      'INSERT INTO history_export_bodies (workflow_id, run_id, history) VALUES ($1, $2, $3) ON CONFLICT (workflow_id, run_id) DO NOTHING',
      [workflowId, runId, Buffer.from(json, 'utf8')],
    );
    return 'postgres';
  }

  async get(workflowId: string, runId: string): Promise<string | null> {
    const { rows } = await this.db.query<{ history: Buffer }>('SELECT history FROM history_export_bodies WHERE workflow_id = $1 AND run_id = $2', [workflowId, runId]);
    return rows[0] ? rows[0].history.toString('utf8') : null;
  }
}
