import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../contracts/activities';
import type { HistoryExportResult } from '../contracts/history-export';

const { exportClosedHistories } = proxyActivities<Activities>({
  startToCloseTimeout: '1h',
  heartbeatTimeout: '2m',
  // A pass that keeps failing gives way to the schedule's next one, which starts over from the listing.
  retry: { initialInterval: '10s', maximumAttempts: 3 },
});

/** One export pass, started by the history-export schedule (temporal/history-export-schedule.ts). */
export async function historyExportWorkflow(): Promise<HistoryExportResult> {
  return exportClosedHistories();
}
