import { heartbeat } from '@temporalio/activity';
import type { Client, WorkflowExecutionInfo } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { EXPORTED_WORKFLOW_TYPES, type HistoryExportActivities, type HistoryExportResult } from '../contracts/history-export';
import { HistoryExportIndex, runKey } from '../db/history-exports';
import type { ActivityDeps } from './deps';
import { historyBodyStore } from './history-stores';

const PAGE = 200;

/**
 * Exports every closed run of this task queue's connection, store and order workflows not exported yet:
 * its history as Temporal returns it (payloads still encoded, so encrypted), to the configured store,
 * then a row in history_exports. Idempotent by (workflow id, run id); a run that fails is left for the
 * next pass, which lists it again while the namespace still holds it.
 */
export function historyExportActivities(deps: ActivityDeps, client: Client): HistoryExportActivities {
  const index = new HistoryExportIndex(deps.db);
  const store = historyBodyStore(deps.config, deps.db);
  return {
    async exportClosedHistories(): Promise<HistoryExportResult> {
      const result: HistoryExportResult = { closed: 0, exported: 0, failed: 0 };
      if (!store) return result;
      const owners = new Map<string, Promise<string | null>>();
      const ownerOf = (workflowId: string): Promise<string | null> => {
        const [kind, a] = workflowId.split('/');
        if (kind === 'connection' || kind === 'store') return Promise.resolve(a ?? null);
        if (kind !== 'order' || !a) return Promise.resolve(null);
        if (!owners.has(a)) owners.set(a, deps.connections.storeOwner(a));
        return owners.get(a)!;
      };
      const types = EXPORTED_WORKFLOW_TYPES.map((t) => `'${t}'`).join(', ');
      const query = `TaskQueue = '${deps.config.temporal.taskQueue.replaceAll("'", "''")}' AND ExecutionStatus != 'Running' AND WorkflowType IN (${types})`;

      const exportPage = async (page: WorkflowExecutionInfo[]) => {
        const done = await index.exported(page);
        for (const run of page) {
          heartbeat(result);
          if (done.has(runKey(run.workflowId, run.runId)) || !run.closeTime) continue;
          try {
            const history = await client.workflow.getHandle(run.workflowId, run.runId).fetchHistory();
            const json = historyToJSON(history);
            const location = await store.put(run.workflowId, run.runId, json);
            await index.record({
              workflowId: run.workflowId, runId: run.runId, workflowType: run.type, connectionId: await ownerOf(run.workflowId),
              status: run.status.name, closeTime: run.closeTime.toISOString(), sizeBytes: Buffer.byteLength(json), location,
            });
            result.exported += 1;
          } catch (err) {
            result.failed += 1;
            deps.logger.warn({ workflowId: run.workflowId, runId: run.runId, err: { name: (err as Error)?.name, message: (err as Error)?.message } }, 'history not exported; the next pass tries again');
          }
        }
      };

      let page: WorkflowExecutionInfo[] = [];
      for await (const run of client.workflow.list({ query, pageSize: PAGE })) {
        result.closed += 1;
        page.push(run);
        if (page.length === PAGE) { await exportPage(page); page = []; }
      }
      await exportPage(page);
      if (result.exported || result.failed) deps.logger.info(result, 'closed runs exported');
      return result;
    },
  };
}
