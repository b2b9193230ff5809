/**
 * Exporting closed runs' histories before the namespace's retention removes them: which workflows, the
 * periodic workflow that does it, and a run as GET /api/connections/:id/history lists it.
 */

/** The workflows whose runs are exported: a connection's, a store's and an order's. */
export const EXPORTED_WORKFLOW_TYPES = ['connectionWorkflow', 'storeWorkflow', 'orderWorkflow'] as const;

/** One per task queue (several deployments may share a namespace); started by a Temporal Schedule. */
export const historyExportScheduleId = (taskQueue: string): string => `history-export/${taskQueue}`;

export interface HistoryExportResult {
  /** Closed runs visibility listed. */
  closed: number;
  exported: number;
  /** Runs that could not be exported this time (left for the next pass). */
  failed: number;
}

export type HistoryExportWorkflow = () => Promise<HistoryExportResult>;

export interface HistoryExportActivities {
  exportClosedHistories(): Promise<HistoryExportResult>;
}

/** One exported run. */
export interface ExportedRun {
  workflowId: string;
  runId: string;
  workflowType: string;
  status: string;
  closeTime: string;
  sizeBytes: number;
  exportedAt: string;
  /** `postgres`, or the file's path. */
  location: string;
}
