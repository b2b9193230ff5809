import type { ReconciliationReport } from '../../contracts/reconciliation';

/** Where the console reads a connection's newest reconciliation report (db/reconciliation-reports.ts by shape). */
export interface ReconciliationReports {
  latest(connectionId: string): Promise<ReconciliationReport | null>;
}
