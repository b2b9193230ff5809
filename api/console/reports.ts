import type { ReconciliationReport } from '../../contracts/reconciliation';

/**
 * Where the console reads a connection's newest reconciliation report. The report store is built
 * separately (POST /api/connections/:id/reconcile); until it is wired in app.ts, `noReports` answers
 * and the panel says no report exists yet.
 */
export interface ReconciliationReports {
  latestReport(connectionId: string): Promise<ReconciliationReport | undefined>;
}

export const noReports: ReconciliationReports = { latestReport: async () => undefined };
