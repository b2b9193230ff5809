import { ScheduleAlreadyRunning, ScheduleNotFoundError, type Client, type ScheduleOptionsStartWorkflowAction } from '@temporalio/client';
import { historyExportScheduleId, type HistoryExportWorkflow } from '../contracts/history-export';

/**
 * The Temporal Schedule that runs an export pass every `everySec` (SKIP while one still runs), so every
 * worker may ensure it at start and exactly one pass runs at a time however many workers there are.
 * `everySec` undefined (HISTORY_EXPORT=off) removes it.
 */
export async function ensureHistoryExportSchedule(client: Client, taskQueue: string, everySec: number | undefined): Promise<void> {
  const scheduleId = historyExportScheduleId(taskQueue);
  if (everySec === undefined) {
    await client.schedule.getHandle(scheduleId).delete().catch((err: unknown) => { if (!(err instanceof ScheduleNotFoundError)) throw err; });
    return;
  }
  const action: ScheduleOptionsStartWorkflowAction<HistoryExportWorkflow> = {
    type: 'startWorkflow', workflowType: 'historyExportWorkflow', workflowId: scheduleId, taskQueue, args: [],
  };
  const spec = { intervals: [{ every: `${everySec}s` as const }] };
  const policies = { overlap: 'SKIP' as const, catchupWindow: '1m' as const };
  try {
    await client.schedule.create({ scheduleId, spec, action, policies });
  } catch (err) {
    if (!(err instanceof ScheduleAlreadyRunning)) throw err;
    // Another worker (or an earlier start) made it: keep it, with this configuration's interval.
    await client.schedule.getHandle(scheduleId).update((previous) => ({ ...previous, spec, action, policies }));
  }
}
