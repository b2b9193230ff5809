import type { ReconciliationReport, ReconciliationStatus } from '../contracts/reconciliation';
import type { Db } from './pool';

/** Reports kept per connection; older ones are dropped as new ones are saved. */
export const REPORTS_KEPT = 20;

/** Latest report of one connection, as the metrics read it: no ids, only what gauges need. */
export interface LatestReportFigures {
  connectionId: string;
  status: ReconciliationStatus;
  finishedAt: string;
  report: ReconciliationReport;
}

/** Reconciliation reports, whole (jsonb), the last REPORTS_KEPT per connection. */
export class ReconciliationReportStore {
  constructor(private readonly db: Db) {}

  async save(report: ReconciliationReport): Promise<void> {
    await this.db.query(
      `INSERT INTO reconciliation_reports (id, connection_id, status, finished_at, report) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (id) DO UPDATE SET status = EXCLUDED.status, finished_at = EXCLUDED.finished_at, report = EXCLUDED.report`,
      [report.id, report.connectionId, report.status, report.finishedAt, JSON.stringify(report)],
    );
    await this.db.query(
      `DELETE FROM reconciliation_reports WHERE connection_id = $1 AND id NOT IN (
         SELECT id FROM reconciliation_reports WHERE connection_id = $1 ORDER BY finished_at DESC, id DESC LIMIT $2)`,
      [report.connectionId, REPORTS_KEPT],
    );
  }

  async get(id: string): Promise<ReconciliationReport | null> {
    const { rows } = await this.db.query<{ report: ReconciliationReport }>('SELECT report FROM reconciliation_reports WHERE id = $1', [id]);
    return rows[0]?.report ?? null;
  }

  async latest(connectionId: string): Promise<ReconciliationReport | null> {
    const { rows } = await this.db.query<{ report: ReconciliationReport }>(
      'SELECT report FROM reconciliation_reports WHERE connection_id = $1 ORDER BY finished_at DESC, id DESC LIMIT 1', [connectionId]);
    return rows[0]?.report ?? null;
  }

  /** The latest report of each connection that is not deleted, at most `limit` connections (a scrape stays bounded). */
  async latestPerConnection(limit: number): Promise<LatestReportFigures[]> {
    const { rows } = await this.db.query<{ connection_id: string; status: ReconciliationStatus; finished_at: Date; report: ReconciliationReport }>(
      `SELECT DISTINCT ON (r.connection_id) r.connection_id, r.status, r.finished_at, r.report
         FROM reconciliation_reports r JOIN connections c ON c.id = r.connection_id AND c.status <> 'deleted'
        ORDER BY r.connection_id, r.finished_at DESC, r.id DESC
        LIMIT $1`,
      [limit],
    );
    return rows.map((r) => ({ connectionId: r.connection_id, status: r.status, finishedAt: r.finished_at.toISOString(), report: r.report }));
  }
}
